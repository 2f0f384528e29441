/**
 * What a response must be, judged from the served document alone. Each broken rule is a Finding
 * with a `kind` and a class key: requests that break the same rule in the same place share a key,
 * so the report lists each bug once (with the smallest request that showed it).
 */
import { isObject, type SchemaIssue, validate } from "./json-schema.ts";
import { TRICKY_KEYS } from "./openapi-arbitraries.ts";
import {
  declaredResponse,
  type FuzzRequest,
  normalizeField,
  type Operation,
  requestIssues,
  type SentResponse,
} from "./operations.ts";

export type FindingKind =
  | "server-error"
  | "undeclared-status"
  | "response-schema"
  | "error-body"
  | "unclear-400"
  | "valid-refused"
  | "invalid-accepted"
  | "weak-if-match"
  | "role-not-enforced"
  | "data-lost";

export interface Finding {
  kind: FindingKind;
  /** `kind operationId detail`: one class per bug. */
  key: string;
  message: string;
}

/**
 * A request the document calls valid may still get a 400 for these fields, because whether the
 * value is acceptable depends on stored state (or is opaque), which a JSON Schema cannot say.
 * Keep this list short: every entry is a place where the document cannot warn a client.
 */
export const STATE_DEPENDENT_400: readonly { operations: readonly string[]; field: string; why: string }[] = [
  {
    operations: ["createVersion", "updateVersion"],
    field: "body.lineage.parentVersion",
    why: "must name an existing version of the model (at most latestVersion)",
  },
  {
    operations: [
      "listModels",
      "listVersions",
      "listHistory",
      "listTransitions",
      "listVersionTransitions",
      "listApprovals",
      "getStageHistory",
    ],
    field: "query.nextToken",
    why: "an opaque token the server issued with a previous page; other strings are refused",
  },
  {
    operations: ["requestUploadUrls"],
    field: "body.parts",
    why: "a listed part number must be one the upload has (the declared size / the part size)",
  },
];

/** Outcomes a valid request may have because of stored state: not found, conflict, stale ETag, rule. */
const STATE_DEPENDENT_STATUSES = new Set([404, 409, 412, 422]);
/** A valid request may exceed the 400 KB item limit once stored (big model card, many fields). */
const SIZE_DEPENDENT_STATUSES = new Set([413]);

/**
 * Approving or rejecting a transition: API.md gives these to `approver` (and `admin`), and to
 * nobody else ("approver: reader + approve and reject").
 */
export const isApprovalDecision = (op: Operation) =>
  op.method === "POST" && /\/(approve|reject)$/.test(op.path);

/** Which principals may call an operation: API.md "Roles" (the document does not say). */
export function allowedPrincipals(op: Operation): readonly string[] {
  if (op.method === "GET") return ["reader", "publisher", "approver", "governor", "admin"];
  if (isApprovalDecision(op)) return ["approver", "admin"];
  // The promotion policy is the governor's (and admin's), never the publisher's it governs.
  if (op.operationId === "setModelPolicy") return ["governor", "admin"];
  // Deletes are admin's ("admin: everything, including deletes"), but whether "publisher: … edit
  // aliases" covers deleting one is not said: the suite sends deletes as admin and does not judge
  // publisher's.
  return ["publisher", "admin"];
}

// zod's default messages: they say something is wrong, not what is expected.
const GENERIC_MESSAGES = [
  /^invalid input\.?$/i,
  /^invalid key in record$/i,
  /^invalid element/i,
  /^invalid option/i,
  /^invalid value$/i,
  /^invalid$/i,
  /^required$/i,
  /^invalid input: expected \w+, received \w+$/i,
];

/** A field as the registry names it: `body.tags`, `query.limit`, `body["a.b"]`, `header.If-Match`. */
const FIELD = /^(?:body|query|path|header)(?:[.[]|$)/;

export interface Judgement {
  /** The document's verdict on the request: empty when it calls the request valid. */
  requestIssues: SchemaIssue[];
  findings: Finding[];
}

export function judge(op: Operation, request: FuzzRequest, response: SentResponse, root: unknown): Judgement {
  const issues = requestIssues(op, request, root);
  const findings: Finding[] = [];
  const add = (kind: FindingKind, detail: string, message: string) =>
    findings.push({ kind, key: `${kind} ${op.operationId} ${detail}`.trim(), message });
  const { status, body } = response;
  const norm = (field: string) => normalizeField(op, field, root);
  const error = isObject(body) && isObject(body.error) ? body.error : undefined;
  const serverIssues = errorIssues(error);
  const serverFields = serverIssues.length > 0 ? serverIssues.map((i) => i.field) : errorFields(error);

  if (status >= 500) {
    add(
      "server-error",
      `${status} ${features(request).join(",")}`,
      `${status}: ${response.rawBody.slice(0, 300)}`,
    );
  }

  const declared = declaredResponse(op, status);
  if (declared === undefined) {
    add(
      "undeclared-status",
      String(status),
      `the document declares no ${status} response for ${op.operationId}`,
    );
  } else if (declared === null) {
    if (response.rawBody.trim() !== "")
      add(
        "response-schema",
        `${status} body`,
        `${status} declares no body, got ${response.rawBody.slice(0, 200)}`,
      );
  } else if (status !== 413 || body !== null) {
    const bad =
      body === null && response.rawBody.trim() !== ""
        ? [{ path: "", message: "is not JSON" }]
        : validate(declared, body, root);
    if (bad.length > 0) {
      const first = bad[0] as SchemaIssue;
      add(
        "response-schema",
        `${status} ${normalizeResponsePath(first.path)}`,
        `${status} body does not match the document: ${bad
          .slice(0, 3)
          .map((i) => `${i.path || "(body)"} ${i.message}`)
          .join("; ")}`,
      );
    }
  }

  if (status >= 400 && status < 500) {
    for (const name of ["code", "message", "requestId"] as const) {
      if (typeof error?.[name] !== "string" || error[name] === "") {
        add(
          "error-body",
          `${status} error.${name}`,
          `${status} body lacks error.${name}: ${response.rawBody.slice(0, 200)}`,
        );
      }
    }
  }

  const allowed = allowedPrincipals(op).includes(request.principal);
  if (!allowed) {
    if (status !== 403) {
      add(
        "role-not-enforced",
        request.principal,
        `${request.principal} may not call ${op.operationId}, got ${status} (expected 403 AccessDenied)`,
      );
    }
    return { requestIssues: issues, findings };
  }

  if (status === 400) {
    const message = typeof error?.message === "string" ? error.message : "";
    // A whole-body problem (not JSON) may say "request body" in words; anything else names its field.
    if (
      !FIELD.test(message) &&
      !/\b(?:body|query|path|header)\b/i.test(message) &&
      serverIssues.length === 0
    ) {
      add("unclear-400", "no field", `400 message names no field (body.x, query.x, path.x): ${message}`);
    }
    for (const issue of serverIssues) {
      if (!FIELD.test(issue.field)) {
        add("unclear-400", `field "${issue.field}"`, `400 issue field is not a path like body.x: ${message}`);
      } else if (GENERIC_MESSAGES.some((re) => re.test(issue.message.trim()))) {
        add(
          "unclear-400",
          `${norm(issue.field)} "${issue.message}"`,
          `400 does not say what is expected: ${issue.field}: ${issue.message}`,
        );
      }
    }
  }

  const excused = (field: string) =>
    STATE_DEPENDENT_400.some((e) => e.operations.includes(op.operationId) && norm(field) === e.field);
  const within = (inner: string, outer: string) =>
    inner === outer || inner.startsWith(`${outer}.`) || inner.startsWith(`${outer}[`);
  const where = (f: string) => issues.some((i) => within(i.path, f) || within(f, i.path));
  const detail = typeof error?.message === "string" ? error.message : response.rawBody.slice(0, 200);

  if (issues.length === 0) {
    const ok =
      (status >= 200 && status < 300) ||
      STATE_DEPENDENT_STATUSES.has(status) ||
      SIZE_DEPENDENT_STATUSES.has(status);
    if (!ok && status < 500) {
      // One class per refused field: a request can trip several independent bugs at once.
      const fields = status === 400 ? [...new Set(serverFields.filter((f) => !excused(f)).map(norm))] : [""];
      if (status !== 400 || serverFields.length === 0) fields.splice(0, fields.length, "");
      for (const field of fields) {
        add(
          "valid-refused",
          `${status} ${field}`.trim(),
          `the document calls this request valid, the server answered ${status}: ${detail}`,
        );
      }
    }
    if (status >= 200 && status < 300) reportLostEntries(op, request, body, add);
  } else if (status !== 400 && status !== 413 && status < 500) {
    for (const field of new Set(issues.map((i) => norm(i.path)))) {
      add(
        "invalid-accepted",
        `${status} ${field}`,
        `the document calls this request invalid (${describeIssues(issues)}), the server answered ${status} instead of 400`,
      );
    }
  } else if (status === 400 && serverFields.length > 0 && !serverFields.some(where)) {
    // The server refused a part the document allows (and said nothing of the part that is wrong):
    // the same bug the valid-request property reports, so the same class.
    for (const field of new Set(serverFields.filter((f) => !excused(f)).map(norm))) {
      add(
        "valid-refused",
        `400 ${field}`,
        `the document allows ${field} as sent, the server refused it: ${detail}`,
      );
    }
  }

  const ifMatch = Object.entries(request.headers).find(([k]) => k.toLowerCase() === "if-match")?.[1];
  if (ifMatch?.startsWith("W/") && status >= 200 && status < 300) {
    add(
      "weak-if-match",
      "",
      `If-Match ${ifMatch} is a weak ETag, which never matches (RFC 9110 strong comparison), got ${status}`,
    );
  }
  return { requestIssues: issues, findings };
}

function errorFields(error: Record<string, unknown> | undefined): string[] {
  const fields: string[] = [];
  if (Array.isArray(error?.issues)) {
    for (const issue of error.issues)
      if (isObject(issue) && typeof issue.field === "string") fields.push(issue.field);
  }
  if (fields.length === 0 && typeof error?.message === "string") {
    const head = error.message.split(":")[0] ?? "";
    if (FIELD.test(head)) fields.push(head);
  }
  return fields;
}

function errorIssues(error: Record<string, unknown> | undefined): { field: string; message: string }[] {
  if (!Array.isArray(error?.issues)) return [];
  return error.issues.flatMap((issue) =>
    isObject(issue) && typeof issue.field === "string" && typeof issue.message === "string"
      ? [{ field: issue.field, message: issue.message }]
      : [],
  );
}

function describeIssues(issues: SchemaIssue[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${i.path} ${i.message}`)
    .join("; ");
}

function normalizeResponsePath(path: string): string {
  return path.replace(/\.\d+(?=\.|$)/g, ".[]").slice(0, 80);
}

const MAP_FIELDS = ["tags", "metrics", "params"] as const;

/** Entries of a map the client sent (tags, metrics, params) that a successful write did not keep. */
function reportLostEntries(
  op: Operation,
  request: FuzzRequest,
  responseBody: unknown,
  add: (kind: FindingKind, detail: string, message: string) => void,
): void {
  if (request.body === undefined || !isObject(responseBody) || !["POST", "PUT", "PATCH"].includes(op.method))
    return;
  let sent: unknown;
  try {
    sent = JSON.parse(request.body);
  } catch {
    return;
  }
  if (!isObject(sent)) return;
  for (const field of MAP_FIELDS) {
    const mine = sent[field];
    const theirs = responseBody[field];
    if (!isObject(mine) || !isObject(theirs)) continue;
    for (const key of Object.keys(mine)) {
      if (!Object.hasOwn(theirs, key) || !sameValue(mine[key], theirs[key])) {
        const kind = (TRICKY_KEYS as readonly string[]).includes(key)
          ? `key ${JSON.stringify(key)}`
          : "value";
        add(
          "data-lost",
          `body.${field} ${kind}`,
          `sent ${field}[${JSON.stringify(key)}] = ${JSON.stringify(mine[key])}, the ${op.operationId} response has ${
            Object.hasOwn(theirs, key) ? JSON.stringify(theirs[key]) : "no such entry"
          }`,
        );
        break;
      }
    }
  }
}

const sameValue = (a: unknown, b: unknown) => a === b;

/** What is unusual about a request, to tell 5xx apart when there is no field to name. */
export function features(request: FuzzRequest): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, key?: string) => {
    if (key !== undefined) {
      if ((TRICKY_KEYS as readonly string[]).includes(key) && /^[a-z_]/i.test(key)) found.add(`key:${key}`);
      if (key === "") found.add("empty-key");
    }
    if (typeof value === "number") {
      const magnitude = Math.abs(value);
      if (magnitude >= 1e16) found.add("number>=1e16");
      else if (magnitude > 0 && magnitude < 1e-100) found.add("number<1e-100");
    } else if (typeof value === "string") {
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
      if (/[\u0000-\u001f]/.test(value)) found.add("control-char");
      if (value.length > 10_000) found.add("huge-string");
    } else if (Array.isArray(value)) for (const v of value) visit(v);
    else if (isObject(value)) for (const k of Object.keys(value)) visit(value[k], k);
  };
  if (request.body !== undefined) {
    try {
      visit(JSON.parse(request.body));
    } catch {
      found.add("not-json");
    }
  }
  for (const value of [...Object.values(request.path), ...Object.values(request.query)]) {
    if ((TRICKY_KEYS as readonly string[]).includes(value) && value !== "") found.add(`param:${value}`);
    visit(value);
  }
  return [...found].sort();
}
