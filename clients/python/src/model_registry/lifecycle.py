"""The stage lifecycle's names, as the registry defines them.

Kept equal to the server's (``functions/core/schemas/names.ts``, ``transitions.ts``) by a unit test
of the repository (``test/unit/clients/python-lifecycle.test.ts``).
"""

from __future__ import annotations

from typing import Any, Mapping

STAGES = ("development", "staging", "production", "archived")
#: Stages a rollback can restore (those with one holder at a time).
ROLLBACK_STAGES = ("production",)
TRANSITION_STATUSES = (
    "REQUESTED",
    "VALIDATING",
    "AWAITING_APPROVAL",
    "APPLIED",
    "REJECTED",
    "FAILED",
    "CANCELLED",
    "TIMED_OUT",
)
#: Statuses the registry's workflow still moves on from.
OPEN_TRANSITION_STATUSES = ("REQUESTED", "VALIDATING", "AWAITING_APPROVAL")
#: Statuses nothing moves on from: ``APPLIED``, or ended without applying.
ENDED_TRANSITION_STATUSES = tuple(s for s in TRANSITION_STATUSES if s not in OPEN_TRANSITION_STATUSES)
#: Ended without applying: :meth:`Registry.wait_for_transition` raises ``TransitionFailed`` for these.
FAILED_TRANSITION_STATUSES = tuple(s for s in ENDED_TRANSITION_STATUSES if s != "APPLIED")


def approval_count(transition: Mapping[str, Any]) -> int:
    """Distinct principals who approved so far."""
    return len({a.get("by") for a in transition.get("approvals") or [] if a.get("decision") == "APPROVED"})


def awaits_approvals(transition: Mapping[str, Any]) -> bool:
    """``AWAITING_APPROVAL`` with approvals still missing.

    Once the last approval needed is recorded the transition stays ``AWAITING_APPROVAL`` until the
    workflow resumes and applies it: it is no longer waiting for anyone then.
    """
    required = int(transition.get("approvalsRequired") or 0)
    return transition.get("status") == "AWAITING_APPROVAL" and approval_count(transition) < required


def describe_transition(transition: Mapping[str, Any]) -> str:
    """``transition 01J… of 'fraud' v7 staging → production: REJECTED: rejected by …``."""
    status = str(transition.get("status"))
    if status == "AWAITING_APPROVAL":
        state = f"{status} ({approval_count(transition)}/{transition.get('approvalsRequired')} approvals)"
    elif transition.get("reason"):
        state = f"{status}: {transition['reason']}"
    else:
        state = status
    kind = " (rollback)" if transition.get("kind") == "rollback" else ""
    return (
        f"transition {transition.get('id')} of '{transition.get('model')}' v{transition.get('version')} "
        f"{transition.get('from')} → {transition.get('to')}{kind}: {state}"
    )


__all__ = [
    "STAGES",
    "ROLLBACK_STAGES",
    "TRANSITION_STATUSES",
    "OPEN_TRANSITION_STATUSES",
    "ENDED_TRANSITION_STATUSES",
    "FAILED_TRANSITION_STATUSES",
    "approval_count",
    "awaits_approvals",
    "describe_transition",
]
