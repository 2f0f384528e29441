/**
 * The verifier's event, checked by hand rather than with a zod schema: it is the one input of the
 * verifier, written by the registry's own artifacts function (`artifact-verification.ts`, beside this module),
 * never by a client, and it is not part of the HTTP contract or the OpenAPI document. Without zod
 * the verifier's cold start is ~24 KiB smaller (no module it loads imports zod).
 */
import type { VerificationRequest } from "#core/ports.ts";

/** `toISOString()`'s form, as the seal writes `verification.startedAt`. */
const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** The request an invocation carries; throws naming every field that is wrong. */
export function parseVerificationEvent(event: unknown): VerificationRequest {
  if (typeof event !== "object" || event === null || Array.isArray(event))
    throw new TypeError(
      `verifier event must be an object {model, version, startedAt}, got ${describe(event)}`,
    );
  const { model, version, startedAt } = event as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof model !== "string" || model.length === 0)
    problems.push(`model must be a non-empty string, got ${describe(model)}`);
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1)
    problems.push(`version must be an integer of at least 1, got ${describe(version)}`);
  if (typeof startedAt !== "string" || !UTC_TIMESTAMP.test(startedAt) || Number.isNaN(Date.parse(startedAt)))
    problems.push(
      `startedAt must be a UTC timestamp like 2026-01-31T12:00:00.000Z, got ${describe(startedAt)}`,
    );
  if (problems.length > 0) throw new TypeError(`invalid verifier event: ${problems.join("; ")}`);
  return { model: model as string, version: version as number, startedAt: startedAt as string };
}

function describe(value: unknown): string {
  return value === undefined ? "nothing" : (JSON.stringify(value) ?? String(value));
}
