/**
 * The docs' error table: every error code a client can receive, with its status from
 * `functions/http/errors.ts` (the one place codes become statuses, which the OpenAPI document
 * also reads) and what it means for the caller. The meanings live here, typed against that file's
 * tables, so a new code fails the type-check until it is described; `npm run docs` writes the
 * table into docs/http-api.md.
 */
import { STAGES_REQUIRING_READY } from "../functions/core/lifecycle/stages.ts";
import {
  type domainErrorStatus,
  errorStatus,
  type gatewayErrorStatus,
  type httpErrorStatus,
} from "../functions/http/errors.ts";
import type { GeneratedSection } from "./readme-sections.ts";

/**
 * Who answers: `registry` the route's function (in AWS and locally alike); `gateway` API Gateway
 * in AWS and the local gateway (`local/gateway.ts`) in local mode, before any function runs;
 * `AWS only` and `local only` one of the two.
 */
export type AnsweredBy = "registry" | "gateway" | "AWS only" | "local only";

type RegistryCode = keyof typeof domainErrorStatus | keyof typeof httpErrorStatus;
type GatewayCode = keyof typeof gatewayErrorStatus;

/** What each code the registry's functions raise means, and what to do about it. */
export const registryErrorMeanings: Record<RegistryCode, string> = {
  ValidationError:
    "a body field, path or query parameter or header is invalid, or unknown: `issues[]` names each (`body.…`, `query.…`, `path.…`); fix those",
  InvalidJson: "the body is not valid JSON",
  ModelNotFound: "no model has that name (or it was deleted): check the name (`GET /models`)",
  VersionNotFound: "the model has no version of that number",
  AliasNotFound: "the model has no alias of that name",
  ArtifactNotFound: "the version declares no artifact at that path: use a `path` from its `artifacts[]`",
  TransitionNotFound: "the model has no transition with that id",
  NotTheRequester:
    "only the requester cancels a request through `…/cancel`; an admin cancels anyone's with `DELETE /models/{model}/transitions/{transition}`",
  MissingIdentity:
    "the request reached the function without an IAM identity: sign it with SigV4 (behind API Gateway this does not happen)",
  RouteNotFound:
    "the request was routed to a function that does not serve it: a deployment fault, not the request's; report it with the `requestId`",
  TransitionNotAllowed:
    "the version is already in that stage, or its stage has no move there ([allowed moves](stages-and-approvals.md))",
  TransitionAlreadyOpen:
    "the version already has an open request for that stage (`details.transitionId`): follow that one, or cancel it first",
  TransitionState:
    "the transition's status does not allow this (approving an applied request, cancelling an ended one): read it again",
  NothingToRollBack: "no earlier holder of the stage can come back",
  ModelAlreadyExists: "the name is taken: pick another, or create a version of that model",
  ConcurrentModification:
    "another request changed the same thing meanwhile and no `If-Match` was sent: read it again and retry",
  ModelProtected:
    "the model cannot be deleted while a version is in production, a request is open or an alias exists: end those first",
  VersionFrozen:
    "the version is READY: `metrics`, `params`, `lineage`, `signature`, `framework` and `format` no longer change; create a new version",
  VersionSealed:
    "the version is VERIFYING or READY, so uploads are closed (if it ends FAILED, upload again and seal again)",
  VersionAbandoned:
    "the version was abandoned (`registry versions abandon`): nothing is uploaded to it, sealed or edited again; create a new version",
  VersionNotReady: `a download, an alias or a move to ${STAGES_REQUIRING_READY.join(" or ")} needs a READY version: upload its artifacts and seal it first`,
  PreconditionFailed: "`If-Match` no longer matches the ETag: read it again and retry with the new ETag",
  PayloadTooLarge:
    "the item would exceed DynamoDB's 400 KB: shorten the model card, description, params or metrics",
  ApprovalRefused:
    "the requester may not approve their own request (unless the policy allows it), a person counts once whatever session they sign with, and where two approvals are needed or self-approval is forbidden an approver nobody vouches for is refused (see governance.md): the message says which",
  IdempotencyKeyReused:
    "the `Idempotency-Key` was used for a different request (path or body): use a new key",
  UploadIncomplete:
    "a multipart completion names an unknown upload id or not every part once, or the upload is no longer open: the message says which",
  ArtifactsNotVerified:
    "the seal found artifacts missing or of another size (`details.artifacts`, per file): upload those and seal again",
  InternalError:
    "never shows internals: retry later, quoting the `requestId` (the log has the details). Also what either gateway answers, with 502, when a function crashes or answers no response",
};

/** What each code answered before (or instead of) a function means, and who answers it. */
export const gatewayErrorMeanings: Record<GatewayCode, { by: AnsweredBy; meaning: string }> = {
  AccessDenied: {
    by: "gateway",
    meaning:
      "the caller's role may not call this route: the message names the route and where its roles are listed (`x-registry-roles` in `GET /openapi.json`, [Roles](#roles)), `details.iam` holds IAM's sentence; `x-amzn-errortype: AccessDeniedException`",
  },
  MissingAuthenticationToken: {
    by: "gateway",
    meaning:
      "the request is not signed: sign it with SigV4 for `execute-api`. In AWS also the answer to a path no route matches",
  },
  InvalidSignature: {
    by: "AWS only",
    meaning:
      "the signature does not match: sign for service `execute-api` and the API's region, over the exact path and query sent",
  },
  SignatureDoesNotMatch: {
    by: "local only",
    meaning:
      "the same, locally: the gateway prints the canonical request and string to sign it computed on `npm start`'s stderr",
  },
  IncompleteSignature: {
    by: "local only",
    meaning:
      "the `Authorization` header or presigned query lacks a part, does not sign `host`, or has a bad date",
  },
  UnknownAccessKey: {
    by: "local only",
    meaning:
      "the access key is no local principal's: use the keys the banner prints (or `REGISTRY_LOCAL_PRINCIPALS`)",
  },
  ExpiredToken: {
    by: "AWS only",
    meaning: "the temporary credentials' session token has expired: get fresh credentials",
  },
  RequestExpired: {
    by: "local only",
    meaning:
      "the signature's date is more than 5 minutes from the clock, or the presigned URL has expired: sign again",
  },
  RequestTooLarge: {
    by: "gateway",
    meaning: "the body is over 10 MB (API Gateway's limit): artifacts go to S3 through the presigned URLs",
  },
  UriTooLong: {
    by: "local only",
    meaning:
      "the URL is over 10,240 characters, API Gateway's quota for a regional REST API's URLs (local mode checks the path and query): shorten the query. In AWS, API Gateway refuses such a URL itself, with a status and body of its own (not verified here)",
  },
  RequestHeaderFieldsTooLarge: {
    by: "local only",
    meaning:
      "the request line and headers are over 64 KiB, which the local gateway does not parse: send a shorter query and fewer or shorter headers",
  },
  TooManyRequests: {
    by: "AWS only",
    meaning: "the stage's throttle (`apiThrottleRateLimit`, `apiThrottleBurstLimit`): back off and retry",
  },
  IntegrationTimeout: {
    by: "gateway",
    meaning: "the function did not answer within API Gateway's 29 s: retry",
  },
};

/**
 * Codes that no operation of the OpenAPI document lists: API Gateway's own names for a few of its
 * answers (`lib/registry-api.ts`), and the local gateway's answers to requests that match no route.
 */
export const unlistedErrors: readonly {
  status: number | "4xx";
  code: string;
  by: AnsweredBy;
  meaning: string;
}[] = [
  {
    status: 400,
    code: "BadRequest",
    by: "local only",
    meaning: "the request target is not a path such as `/models`",
  },
  {
    status: 404,
    code: "NotFound",
    by: "local only",
    meaning:
      "no route matches the path (API Gateway answers 403 `MissingAuthenticationToken`): `GET /openapi.json` lists them",
  },
  {
    status: 405,
    code: "MethodNotAllowed",
    by: "local only",
    meaning:
      "the path takes other methods, which `Allow` lists (API Gateway answers 403 `MissingAuthenticationToken`)",
  },
  {
    status: "4xx",
    code: "RequestRejected",
    by: "AWS only",
    meaning: "any other request API Gateway refuses itself: the message says why",
  },
];

export interface ErrorRow {
  status: number | "4xx";
  code: string;
  by: AnsweredBy;
  meaning: string;
}

/** Every documented code, by status (then registry codes before the gateways', each in source order). */
export function errorRows(): ErrorRow[] {
  const rows: ErrorRow[] = [
    ...Object.entries(registryErrorMeanings).map(([code, meaning]) => ({
      status: errorStatus[code as RegistryCode],
      code,
      by: "registry" as const,
      meaning,
    })),
    ...Object.entries(gatewayErrorMeanings).map(([code, { by, meaning }]) => ({
      status: errorStatus[code as GatewayCode],
      code,
      by,
      meaning,
    })),
    ...unlistedErrors,
  ];
  const order = (status: ErrorRow["status"]) => (status === "4xx" ? 499 : status);
  return rows.sort((a, b) => order(a.status) - order(b.status));
}

export function formatErrorTable(rows: readonly ErrorRow[] = errorRows()): string {
  return [
    "| status | code | answered by | meaning, and what to do |",
    "|---|---|---|---|",
    ...rows.map((row) => `| ${row.status} | \`${row.code}\` | ${row.by} | ${row.meaning} |`),
  ].join("\n");
}

export const errorsSection: GeneratedSection = {
  name: "errors-table",
  source: "functions/http/errors.ts",
  render: () => formatErrorTable(),
};
