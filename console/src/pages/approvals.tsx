/** `/console/approvals`: the caller's inbox, every request waiting for approval across models. */
import { useState } from "preact/hooks";
import { Link, paths } from "../router.tsx";
import { api, call, type Schemas } from "../session.ts";
import { Actor, type Caller, ErrorNote, mayCall, PagedFooter, TableRegion, Time, usePaged } from "../ui.tsx";

type Transition = Schemas["Transition"];
const DECIDERS = ["approver", "admin"];

/** Approvals are counted per person (docs/governance.md). */
export function approvalCount(transition: Transition): number {
  const people = transition.approvals
    .filter((decision) => decision.decision === "APPROVED")
    .map((decision) => decision.person ?? decision.by);
  return new Set(people).size;
}

export function ApprovalsPage(props: { caller: Caller }) {
  const [notice, setNotice] = useState("");
  const paged = usePaged(
    (nextToken) => call(api.GET("/approvals", { params: { query: { ...(nextToken && { nextToken }) } } })),
    [],
  );
  const canDecide = mayCall(props.caller, DECIDERS);
  return (
    <>
      <h1 tabIndex={-1}>Approvals</h1>
      <p>Requests waiting for approval across every model, oldest first.</p>
      {!canDecide && (
        <p class="note">
          You act as <strong>{props.caller.roles?.join(", ")}</strong>: only approvers and admins approve or
          reject. Pick another principal to decide.
        </p>
      )}
      <p role="status" class="notice">
        {notice}
      </p>
      {paged.items.map((transition) => (
        <ApprovalRequest
          key={transition.id}
          transition={transition}
          canDecide={canDecide}
          onDecided={(text) => {
            setNotice(text);
            paged.reload();
          }}
        />
      ))}
      <PagedFooter
        paged={paged}
        what="requests"
        empty={
          <p>
            Nothing is waiting for approval. A request appears here when a publisher asks to move a version to
            a stage whose policy needs approvals (<code>registry transitions request</code>).
          </p>
        }
      />
    </>
  );
}

function ApprovalRequest(props: {
  transition: Transition;
  canDecide: boolean;
  onDecided: (text: string) => void;
}) {
  const t = props.transition;
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const headingId = `request-${t.id}`;
  const title = `${t.model} version ${t.version}: ${t.from} → ${t.to}`;

  async function decide(decision: "approve" | "reject") {
    setBusy(true);
    setError(undefined);
    const params = { path: { model: t.model, transition: t.id } };
    const text = comment.trim();
    try {
      const after =
        decision === "approve"
          ? await call(
              api.POST("/models/{model}/transitions/{transition}/approve", {
                params,
                body: text ? { comment: text } : {},
              }),
            )
          : await call(
              api.POST("/models/{model}/transitions/{transition}/reject", {
                params,
                body: { comment: text },
              }),
            );
      setComment("");
      props.onDecided(
        decision === "approve"
          ? `You approved ${title} (${approvalCount(after)} of ${after.approvalsRequired} approvals).`
          : `You rejected ${title}.`,
      );
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  }

  const count = approvalCount(t);
  return (
    <article class="card" aria-labelledby={headingId}>
      <h2 id={headingId}>
        <Link href={paths.model(t.model)}>{t.model}</Link> version{" "}
        <Link href={paths.version(t.model, t.version)}>{t.version}</Link>: {t.from} → {t.to}
      </h2>
      <p>
        {t.kind === "rollback" ? "Rollback requested" : "Requested"} by <Actor arn={t.requestedBy} />{" "}
        <Time iso={t.requestedAt} />
        {t.comment && <>: “{t.comment}”</>}
      </p>
      <p class="count">
        <strong>
          {count} of {t.approvalsRequired}
        </strong>{" "}
        approvals{t.allowSelfApproval ? "" : " (the requester may not approve)"}
        {t.approvalDeadline && (
          <>
            ; times out <Time iso={t.approvalDeadline} />
          </>
        )}
      </p>
      {t.approvals.length > 0 && (
        <ul aria-label="Decisions so far">
          {t.approvals.map((a) => (
            <li key={`${a.by}-${a.at}`}>
              {a.decision === "APPROVED" ? "Approved" : "Rejected"} by <Actor arn={a.by} />{" "}
              <Time iso={a.at} />
              {a.comment && <>: “{a.comment}”</>}
            </li>
          ))}
        </ul>
      )}
      <ValidationReport report={t.validation} />
      {props.canDecide && (
        <form
          class="decide"
          onSubmit={(event) => {
            event.preventDefault();
            void decide("approve");
          }}
        >
          <label for={`comment-${t.id}`}>Comment</label>
          <textarea
            id={`comment-${t.id}`}
            value={comment}
            rows={2}
            onInput={(event) => setComment(event.currentTarget.value)}
          />
          <div class="buttons">
            <button type="submit" disabled={busy}>
              Approve
            </button>
            <button type="button" class="secondary" disabled={busy} onClick={() => void decide("reject")}>
              Reject
            </button>
          </div>
          {error !== undefined && <ErrorNote error={error} />}
        </form>
      )}
    </article>
  );
}

export function ValidationReport(props: { report: Schemas["ValidationReport"] | undefined }) {
  const { report } = props;
  if (!report)
    return <p>Not validated yet: the workflow validates a request before it waits for approvals.</p>;
  return (
    <TableRegion label="Validation report">
      <table>
        <caption>
          Validation report: {report.passed ? "passed" : "failed"} <Time iso={report.at} />
        </caption>
        <thead>
          <tr>
            <th scope="col">Check</th>
            <th scope="col">Expected</th>
            <th scope="col">Actual</th>
            <th scope="col">Result</th>
          </tr>
        </thead>
        <tbody>
          {report.checks.length === 0 && (
            <tr>
              <td colSpan={4}>The policy sets no checks for this stage.</td>
            </tr>
          )}
          {report.checks.map((check) => (
            <tr key={check.check}>
              <td>
                <code>{check.check}</code>
              </td>
              <td>{check.expected}</td>
              <td>{check.actual}</td>
              <td class={check.passed ? "pass" : "fail"}>{check.passed ? "passed" : "failed"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableRegion>
  );
}
