/**
 * Failures the fuzz suite found, as the smallest concrete requests that showed them, replayed on
 * every run by `regressions.test.ts` and judged by the same oracles. `finding` is the class the
 * request fell into when it was found (on branch `fuzz`, before the fixes); after the fixes each
 * case must produce no finding at all.
 *
 * Placeholders: `<fixture>` is a model with versions 1..3 and alias `champion` → 1; `<unique>`
 * a fresh model name; `<current-etag>` the resource's ETag, read just before sending. A new
 * failure's "replay" line (printed by fuzz.test.ts) can be pasted here as `request`.
 *
 * Which oracle applies is decided again at every replay from the served document: a request the
 * document calls valid today (`format: "banana"`) must be accepted; once the document declares the
 * enum, the same request is invalid and must get a 400 naming `body.format`. Each case also pins
 * `expected`, the answer it gets today, so a replay cannot pass on another allowed outcome.
 */
import type { FuzzRequest } from "./operations.ts";

export interface RegressionCase {
  name: string;
  finding: string;
  /**
   * The one answer the contract gives this request today: its status and, for an error, its
   * code and (for a 400) the field the first issue names. Pinned, so that a replay passes on
   * this answer only, not on any answer the oracles happen to allow.
   */
  expected: Expected;
  request: FuzzRequest;
}

export interface Expected {
  status: number;
  code?: string;
  field?: string;
}

const created: Expected = { status: 201 };
const ok: Expected = { status: 200 };
const refused = (field: string): Expected => ({ status: 400, code: "ValidationError", field });
const stale: Expected = { status: 412, code: "PreconditionFailed" };
const tooLarge: Expected = { status: 413, code: "PayloadTooLarge" };
const denied: Expected = { status: 403, code: "AccessDenied" };

const SHA = "a".repeat(64);
const artifacts = [{ path: "model.onnx", size: 1, sha256: SHA }];

const post = (
  operationId: string,
  path: Record<string, string>,
  body: string,
  principal: FuzzRequest["principal"] = "publisher",
  headers: Record<string, string> = {},
): FuzzRequest => ({ operationId, principal, method: "POST", path, query: {}, headers, body });
const patch = (
  operationId: string,
  path: Record<string, string>,
  body: string,
  headers: Record<string, string> = {},
  principal: FuzzRequest["principal"] = "publisher",
): FuzzRequest => ({ operationId, principal, method: "PATCH", path, query: {}, headers, body });
/** A model's policy (PUT /models/{model}/policy), as the governor: the policy cases moved here from PATCH. */
const putPolicy = (body: string): FuzzRequest => ({
  operationId: "setModelPolicy",
  principal: "governor",
  method: "PUT",
  path: { model: "<fixture>" },
  query: {},
  headers: {},
  body,
});
const get = (
  operationId: string,
  path: Record<string, string>,
  query: Record<string, string> = {},
): FuzzRequest => ({
  operationId,
  principal: "reader",
  method: "GET",
  path,
  query,
  headers: {},
});
const version = (extra: string) => `{${extra},"artifacts":${JSON.stringify(artifacts)}}`;
const fixture = { model: "<fixture>" };

export const regressions: RegressionCase[] = [
  // --- 5xx -----------------------------------------------------------------------------------
  {
    name: "a metric of 1e16 (a valid JSON number) is stored, not a 500",
    finding: "server-error createVersion 500 number>=1e16",
    expected: created,
    request: post("createVersion", fixture, version('"metrics":{"auc":1e16}')),
  },
  {
    name: "a metric of 1e-200 is stored or refused with a 400, not a 500",
    finding: "server-error createVersion 500 number<1e-100",
    expected: refused("body.metrics.auc"),
    request: post("createVersion", fixture, version('"metrics":{"auc":1e-200}')),
  },
  {
    name: "a policy threshold of 1e16 is not a 500",
    finding: "server-error updateModel 500 number>=1e16",
    expected: ok,
    request: putPolicy('{"requirements":{"staging":{"metrics":{"auc":{"min":1e16}}}}}'),
  },
  {
    name: "a policy threshold of 1e-200 is not a 500",
    finding: "server-error updateModel 500 number<1e-100",
    expected: refused("body.requirements.staging.metrics.auc.min"),
    request: putPolicy('{"requirements":{"staging":{"metrics":{"auc":{"min":1e-200}}}}}'),
  },
  {
    name: "a tag named constructor is not a 500",
    finding: "server-error createModel 500 key:constructor",
    expected: created,
    request: post("createModel", {}, '{"name":"<unique>","tags":{"constructor":"x"}}'),
  },
  {
    name: "a param named constructor is not a 500",
    finding: "server-error createVersion 500 key:constructor",
    expected: created,
    request: post("createVersion", fixture, version('"params":{"constructor":"x"}')),
  },
  {
    name: "an alias named constructor can be set",
    finding: "server-error setAlias 500 param:constructor",
    expected: ok,
    request: {
      ...post("setAlias", { model: "<fixture>", alias: "constructor" }, '{"version":1}'),
      method: "PUT",
    },
  },

  // --- data silently dropped -------------------------------------------------------------------
  {
    name: "a tag named __proto__ is kept (or refused), not silently dropped",
    finding: 'data-lost createModel body.tags key "__proto__"',
    expected: created,
    request: post("createModel", {}, '{"name":"<unique>","tags":{"__proto__":"x"}}'),
  },
  {
    name: "a metric named __proto__ is kept (or refused), not silently dropped",
    finding: 'data-lost createVersion body.metrics key "__proto__"',
    expected: created,
    request: post("createVersion", fixture, version('"metrics":{"__proto__":1}')),
  },

  {
    name: "a tag named __proto__ with a null value is refused (tag values are strings), not dropped with a 201",
    finding: "invalid-accepted createModel 201 body.tags.*",
    expected: refused("body.tags.__proto__"),
    request: post("createModel", {}, '{"name":"<unique>","tags":{"__proto__":null}}'),
  },
  {
    name: "an alias version of true is refused, not read as version 1",
    finding: "invalid-accepted setAlias 200 body.version",
    expected: refused("body.version"),
    request: {
      ...post("setAlias", { model: "<fixture>", alias: "champion" }, '{"version":true}'),
      method: "PUT",
    },
  },

  // --- 400s that do not say what is expected ----------------------------------------------------
  {
    name: "an empty metric name gets a 400 that says what a metric name must be",
    finding: 'unclear-400 createVersion body.metrics "Invalid key in record"',
    expected: refused('body.metrics[""]'),
    request: post("createVersion", fixture, version('"metrics":{"":1}')),
  },
  {
    name: "a tag key with '!' gets a 400 that says what a tag key must be (and the document says it)",
    finding:
      'unclear-400 updateModel body.tags.* "Invalid key in record"; valid-refused updateModel 400 body.tags.*',
    expected: refused('body.tags["a b!"]'),
    request: patch("updateModel", fixture, '{"tags":{"a b!":"x"}}'),
  },
  {
    name: "an empty policy metric name gets a 400 that says what is expected (and the document says it)",
    finding:
      'unclear-400 updateModel body.policy.requirements.staging.metrics "Invalid key in record"; valid-refused updateModel 400 body.policy.requirements.staging.metrics',
    expected: refused('body.requirements.staging.metrics[""]'),
    request: putPolicy('{"requirements":{"staging":{"metrics":{"":{"min":1}}}}}'),
  },

  // --- lenient path and query numbers -------------------------------------------------------------
  ...["0x1", "01", "1e0", "+1", "1 "].map((text) => ({
    name: `path version ${JSON.stringify(text)} is refused with a 400 naming path.version`,
    finding: "invalid-accepted getVersion 200 path.version",
    expected: refused("path.version"),
    request: get("getVersion", { model: "<fixture>", version: text }),
  })),
  {
    name: "compare with other '01' is refused with a 400 naming path.other",
    finding: "invalid-accepted compareVersions 200 path.other",
    expected: refused("path.other"),
    request: get("compareVersions", { model: "<fixture>", version: "1", other: "01" }),
  },
  {
    name: "limit '01' is refused with a 400 naming query.limit",
    finding: "invalid-accepted listModels 200 query.limit",
    expected: refused("query.limit"),
    request: get("listModels", {}, { limit: "01" }),
  },
  {
    name: "limit '1.0' is refused with a 400 naming query.limit",
    finding: "invalid-accepted listVersions 200 query.limit",
    expected: refused("query.limit"),
    request: get("listVersions", fixture, { limit: "1.0" }),
  },
  {
    name: "limit '+1' is refused with a 400 naming query.limit",
    finding: "invalid-accepted listHistory 200 query.limit",
    expected: refused("query.limit"),
    request: get("listHistory", fixture, { limit: "+1" }),
  },

  // --- If-Match with a weak ETag ------------------------------------------------------------------
  {
    name: "If-Match with the weak form of the model's ETag does not match (412)",
    finding: "weak-if-match updateModel",
    expected: stale,
    request: patch("updateModel", fixture, '{"description":"weak"}', { "if-match": "W/<current-etag>" }),
  },
  {
    name: "If-Match with the weak form of the version's ETag does not match (412)",
    finding: "weak-if-match updateVersion",
    expected: stale,
    request: patch("updateVersion", { model: "<fixture>", version: "1" }, '{"description":"weak"}', {
      "if-match": "W/<current-etag>",
    }),
  },
  {
    name: "If-Match with a weak ETag does not delete a model",
    finding: "weak-if-match deleteModel",
    expected: stale,
    request: {
      operationId: "deleteModel",
      principal: "admin",
      method: "DELETE",
      path: { model: "<fixture>-gone-1" },
      query: {},
      headers: { "if-match": "W/<current-etag>" },
    },
  },

  // --- the document promises less than the server enforces ---------------------------------------
  {
    name: "format: the document declares the enum the server enforces",
    finding: "valid-refused createVersion 400 body.format",
    expected: refused("body.format"),
    request: post("createVersion", fixture, version('"format":"banana"')),
  },
  {
    name: "updateModel: the document says a patch needs at least one member (minProperties)",
    finding: "valid-refused updateModel 400 body",
    expected: refused("body"),
    request: patch("updateModel", fixture, "{}"),
  },
  {
    name: "updateVersion: the document says a patch needs at least one member (minProperties)",
    finding: "valid-refused updateVersion 400 body",
    expected: refused("body"),
    request: patch("updateVersion", { model: "<fixture>", version: "1" }, "{}"),
  },
  {
    name: "policy requirements: the document closes the object (no stage other than staging, production, archived)",
    finding: "valid-refused updateModel 400 body.policy.requirements.*",
    expected: refused("body.requirements.development"),
    request: putPolicy('{"requirements":{"development":{"signature":true}}}'),
  },
  {
    name: "tags: the document says at most 50 (maxProperties)",
    finding: "valid-refused createModel 400 body.tags",
    expected: refused("body.tags"),
    request: post(
      "createModel",
      {},
      JSON.stringify({
        name: "<unique>",
        tags: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "v"])),
      }),
    ),
  },
  {
    name: "artifact size: 6 GB is within the limit the document and the server both state (5 TiB, S3's largest object)",
    finding: "valid-refused createVersion 400 body.artifacts.[].size",
    expected: created,
    request: post(
      "createVersion",
      fixture,
      JSON.stringify({ artifacts: [{ path: "big.bin", size: 6_000_000_000, sha256: SHA }] }),
    ),
  },
  {
    name: "signature shape: the document says the integer bound the server enforces",
    finding: "valid-refused createVersion 400 body.signature.inputs.[].shape.[]",
    expected: refused("body.signature.inputs.0.shape.0"),
    request: post(
      "createVersion",
      fixture,
      version('"signature":{"inputs":[{"name":"x","type":"float32","shape":[1e16]}],"outputs":[]}'),
    ),
  },
  {
    name: "policy approvals: the document closes the object (no stage other than staging, production, archived)",
    finding: "valid-refused updateModel 400 body.policy.approvals.*",
    expected: refused("body.approvals.development"),
    request: putPolicy('{"approvals":{"development":{"required":1}}}'),
  },
  {
    name: "policy metric threshold: the document says min or max is required",
    finding: "valid-refused updateModel 400 body.policy.requirements.staging.metrics.*",
    expected: refused("body.requirements.staging.metrics.auc"),
    request: putPolicy('{"requirements":{"staging":{"metrics":{"auc":{}}}}}'),
  },
  {
    name: "Idempotency-Key: the document says it is 1-255 visible ASCII characters",
    finding: "valid-refused createModel 400",
    expected: refused("header.Idempotency-Key"),
    request: post("createModel", {}, '{"name":"<unique>"}', "publisher", { "idempotency-key": "a b" }),
  },
  {
    name: "413: the document declares the response a too-large version gets",
    finding: "undeclared-status updateVersion 413",
    expected: tooLarge,
    request: patch(
      "updateVersion",
      { model: "<fixture>", version: "2" },
      JSON.stringify({
        modelCard: "日".repeat(100_000),
        params: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`p${i}`, "日".repeat(1000)])),
      }),
    ),
  },

  // --- roles ----------------------------------------------------------------------------------
  {
    name: "reader may not register a model",
    finding: "role-not-enforced createModel reader",
    expected: denied,
    request: post("createModel", {}, '{"name":"<unique>"}', "reader"),
  },
  {
    name: "reader may not create a version",
    finding: "role-not-enforced createVersion reader",
    expected: denied,
    request: post("createVersion", fixture, version('"description":"by reader"'), "reader"),
  },
  {
    name: "approver may not move an alias",
    finding: "role-not-enforced setAlias approver",
    expected: denied,
    request: {
      ...post("setAlias", { model: "<fixture>", alias: "champion" }, '{"version":1}', "approver"),
      method: "PUT",
    },
  },
  {
    name: "approver may not edit a model",
    finding: "role-not-enforced updateModel approver",
    expected: denied,
    request: patch("updateModel", fixture, '{"description":"by approver"}', {}, "approver"),
  },
  {
    name: "reader may not move an alias",
    finding: "role-not-enforced setAlias reader",
    expected: denied,
    request: {
      ...post("setAlias", { model: "<fixture>", alias: "champion" }, '{"version":2}', "reader"),
      method: "PUT",
    },
  },
  {
    name: "reader may not delete an alias",
    finding: "role-not-enforced deleteAlias reader",
    expected: denied,
    request: {
      operationId: "deleteAlias",
      principal: "reader",
      method: "DELETE",
      path: { model: "<fixture>", alias: "champion" },
      query: {},
      headers: {},
    },
  },
  {
    name: "approver may not delete a model",
    finding: "role-not-enforced deleteModel approver",
    expected: denied,
    request: {
      operationId: "deleteModel",
      principal: "approver",
      method: "DELETE",
      path: { model: "<fixture>-gone-2" },
      query: {},
      headers: {},
    },
  },
];
