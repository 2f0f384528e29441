/**
 * MLflow's `registered-models/search` and `model-versions/search`, served by the registry's
 * queries (never a Scan):
 *
 * - models: `name = 'x'` and `name IN (...)` read those models (GetItem each); otherwise the
 *   models index (`MODELS`, sorted by name) is queried, narrowed to the literal prefix of a
 *   `name LIKE 'prefix%'` and to a `tags.k = 'v'`; every other condition filters what it returns.
 * - versions: a condition on `name` is required (versions live in their model's partition): the
 *   models it selects are found as above, then each model's versions are queried (or read one by
 *   one for `version_number = n` / `IN`); `run_id`, `tags.<key>` and `version_number` filter them.
 *
 * A search reads at most `MAX_READ` items; one that would read more is refused, naming how to
 * narrow it. Results are sorted by `order_by` (then name, version, for a stable order) and paged
 * by offset: the page token carries the offset and a digest of the search, so a token is only
 * accepted by the search it came from. It needs no secret: whatever offset it says, the caller
 * reads nothing its search would not return.
 */
import { createHash } from "node:crypto";
import { ModelNotFoundError, VersionNotFoundError } from "#core/errors.ts";
import type { CoreDeps } from "#core/kernel/deps.ts";
import type { Model, ModelVersion } from "#core/schemas.ts";
import * as models from "#core/use-cases/models.ts";
import * as versions from "#core/use-cases/versions.ts";
import { invalidParameter } from "./errors.ts";
import {
  type Condition,
  likeMatcher,
  literalPrefix,
  type OrderBy,
  parseFilter,
  parseOrderBy,
} from "./filter.ts";
import { millis, versionNumberOf } from "./mapping.ts";

/** The most items one search request reads from the table. */
export const MAX_READ = 2000;
const PAGE = 100;

export interface SearchRequest {
  filter?: string | undefined;
  orderBy: readonly string[];
  maxResults: number;
  pageToken?: string | undefined;
}

export interface SearchPage<T> {
  items: T[];
  nextPageToken?: string;
}

type Kind = "models" | "versions";

const describeField = (c: Condition) =>
  c.field.kind === "tag" ? `tags.${c.field.key}` : c.field.kind === "other" ? c.field.name : c.field.kind;

const ALLOWED: Record<Kind, Record<string, readonly string[]>> = {
  models: {
    name: ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"],
    tag: ["=", "!=", "LIKE", "ILIKE"],
  },
  versions: {
    name: ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"],
    tag: ["=", "!=", "LIKE", "ILIKE"],
    run_id: ["=", "!=", "IN", "NOT IN"],
    version_number: ["=", "!=", "<", "<=", ">", ">=", "IN", "NOT IN"],
  },
};

/** Refuses, naming it, a condition this search cannot serve. */
function checkServable(kind: Kind, conditions: readonly Condition[]): void {
  const what = kind === "models" ? "registered-model search" : "model-version search";
  for (const c of conditions) {
    const ops = ALLOWED[kind][c.field.kind];
    if (!ops) {
      const fields = Object.keys(ALLOWED[kind])
        .map((f) => (f === "tag" ? "tags.<key>" : f))
        .join(", ");
      throw invalidParameter(
        `filter: ${what} cannot filter on '${describeField(c)}': it filters on ${fields}`,
      );
    }
    if (!ops.includes(c.op)) {
      throw invalidParameter(
        `filter: ${what} cannot serve '${describeField(c)} ${c.op}': ${describeField(c)} takes ${ops.join(", ")}`,
      );
    }
    const list = Array.isArray(c.value) ? c.value : [c.value];
    if (c.field.kind === "version_number") {
      if (list.some((v) => versionNumberOf(v) === undefined)) {
        throw invalidParameter(
          `filter: version_number compares with whole numbers, not ${JSON.stringify(c.value)}`,
        );
      }
    } else if (list.some((v) => typeof v !== "string")) {
      throw invalidParameter(
        `filter: ${describeField(c)} compares with quoted strings, not ${JSON.stringify(c.value)}`,
      );
    }
    if (Array.isArray(c.value) && c.value.length > 100) {
      throw invalidParameter(`filter: at most 100 values in ${describeField(c)} ${c.op} (...)`);
    }
  }
}

function stringTest(c: Condition): (text: string | undefined) => boolean {
  const value = c.value;
  switch (c.op) {
    case "=":
      return (t) => t !== undefined && t === value;
    // An absent tag is not equal to anything: MLflow's client adds
    // tag.`mlflow.prompt.is_prompt` != 'true' to every model search, meaning "not a prompt".
    case "!=":
      return (t) => t !== value;
    case "LIKE":
    case "ILIKE": {
      const like = likeMatcher(value as string, c.op === "ILIKE");
      return (t) => t !== undefined && like(t);
    }
    case "IN":
      return (t) => t !== undefined && (value as string[]).includes(t);
    case "NOT IN":
      return (t) => t === undefined || !(value as string[]).includes(t);
    default:
      return () => false;
  }
}

function numberTest(c: Condition): (n: number) => boolean {
  const list = (Array.isArray(c.value) ? c.value : [c.value]).map((v) => versionNumberOf(v) as number);
  const v = list[0] as number;
  switch (c.op) {
    case "=":
      return (n) => n === v;
    case "!=":
      return (n) => n !== v;
    case "<":
      return (n) => n < v;
    case "<=":
      return (n) => n <= v;
    case ">":
      return (n) => n > v;
    case ">=":
      return (n) => n >= v;
    case "IN":
      return (n) => list.includes(n);
    case "NOT IN":
      return (n) => !list.includes(n);
    default:
      return () => false;
  }
}

interface Facts {
  name: string;
  tags: Record<string, string>;
  runId?: string;
  version?: number;
}

function matcherOf(c: Condition): (facts: Facts) => boolean {
  switch (c.field.kind) {
    case "name": {
      const test = stringTest(c);
      return (f) => test(f.name);
    }
    case "tag": {
      const test = stringTest(c);
      const key = c.field.key;
      return (f) => test(Object.hasOwn(f.tags, key) ? f.tags[key] : undefined);
    }
    case "run_id": {
      const test = stringTest(c);
      return (f) => test(f.runId ?? "");
    }
    case "version_number": {
      const test = numberTest(c);
      return (f) => f.version !== undefined && test(f.version);
    }
    default:
      return () => false;
  }
}

class ReadBudget {
  private read = 0;
  constructor(private readonly what: string) {}
  spend(n: number): void {
    this.read += n;
    if (this.read > MAX_READ) {
      throw invalidParameter(
        `filter: this search would read more than ${MAX_READ} ${this.what}: narrow it (name = '...', name LIKE 'prefix%', tags.<key> = '...', version_number)`,
      );
    }
  }
}

/** The models the name and tag conditions select, by the cheapest query that serves them. */
async function candidateModels(core: CoreDeps, conditions: readonly Condition[], budget: ReadBudget) {
  const names = conditions.filter((c) => c.field.kind === "name");
  const exact = names.find((c) => c.op === "=" || c.op === "IN");
  if (exact) {
    const wanted = [...new Set((Array.isArray(exact.value) ? exact.value : [exact.value]) as string[])];
    budget.spend(wanted.length);
    const found = await Promise.all(
      wanted.map((name) =>
        models.getModel(core, name).catch((error: unknown) => {
          // A name that is no model (or no valid name at all) selects nothing.
          if (error instanceof ModelNotFoundError) return undefined;
          throw error;
        }),
      ),
    );
    return found.filter((m): m is Model => m !== undefined);
  }
  const like = names.find((c) => c.op === "LIKE");
  const prefix = like ? literalPrefix(like.value as string) : "";
  const tagEq = conditions.find(
    (c) => c.field.kind === "tag" && c.op === "=" && !c.field.key.includes("="),
  ) as (Condition & { field: { kind: "tag"; key: string } }) | undefined;
  const out: Model[] = [];
  let nextToken: string | undefined;
  do {
    const page = await models.listModels(core, {
      limit: PAGE,
      ...(prefix !== "" && { prefix: prefix.slice(0, 128) }),
      ...(tagEq && { tag: `${tagEq.field.key}=${tagEq.value as string}` }),
      ...(nextToken !== undefined && { nextToken }),
    });
    budget.spend(page.items.length);
    out.push(...page.items);
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return out;
}

function compare(order: readonly OrderBy[], a: Sortable, b: Sortable): number {
  for (const { key, descending } of order) {
    const x = a[key];
    const y = b[key];
    const c =
      typeof x === "string"
        ? x < (y as string)
          ? -1
          : x > (y as string)
            ? 1
            : 0
        : (x as number) - (y as number);
    if (c !== 0) return descending ? -c : c;
  }
  return 0;
}

interface Sortable {
  name: string;
  version_number: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
}

function pageOf<T>(kind: Kind, request: SearchRequest, sorted: T[]): SearchPage<T> {
  const digest = createHash("sha256")
    .update(JSON.stringify([kind, request.filter ?? "", request.orderBy, request.maxResults]))
    .digest("base64url")
    .slice(0, 16);
  let offset = 0;
  if (request.pageToken !== undefined && request.pageToken !== "") {
    const token = decodeToken(request.pageToken);
    if (!token || token.d !== digest) {
      throw invalidParameter(
        "page_token: not a token of this search: pass the next_page_token of the previous page, with the same filter, order_by and max_results",
      );
    }
    offset = token.o;
  }
  const items = sorted.slice(offset, offset + request.maxResults);
  const end = offset + items.length;
  return {
    items,
    ...(end < sorted.length && {
      nextPageToken: Buffer.from(JSON.stringify({ o: end, d: digest })).toString("base64url"),
    }),
  };
}

function decodeToken(text: string): { o: number; d: string } | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as { o?: unknown; d?: unknown };
    if (
      typeof value.o === "number" &&
      Number.isSafeInteger(value.o) &&
      value.o >= 0 &&
      typeof value.d === "string"
    ) {
      return { o: value.o, d: value.d };
    }
  } catch {
    // Not a token: refused below.
  }
  return undefined;
}

const modelFacts = (m: Model): Facts => ({ name: m.name, tags: m.tags });
const modelSortable = (m: Model): Sortable => ({
  name: m.name,
  version_number: 0,
  creation_timestamp: millis(m.createdAt),
  last_updated_timestamp: millis(m.updatedAt),
});

export async function searchModels(core: CoreDeps, request: SearchRequest): Promise<SearchPage<Model>> {
  const conditions = parseFilter(request.filter);
  const order = parseOrderBy(request.orderBy);
  if (order.some((o) => o.key === "version_number")) {
    throw invalidParameter(
      "order_by: registered models have no version_number: order them by name or a timestamp",
    );
  }
  checkServable("models", conditions);
  const budget = new ReadBudget("models");
  const matchers = conditions.map(matcherOf);
  const found = (await candidateModels(core, conditions, budget)).filter((m) =>
    matchers.every((match) => match(modelFacts(m))),
  );
  const fullOrder: OrderBy[] = [...order, { key: "name", descending: false }];
  const sorted = found
    .map((m) => ({ m, s: modelSortable(m) }))
    .sort((a, b) => compare(fullOrder, a.s, b.s))
    .map(({ m }) => m);
  return pageOf("models", request, sorted);
}

const versionFacts = (v: ModelVersion): Facts => ({
  name: v.model,
  tags: v.tags,
  version: v.version,
  ...(v.lineage?.runId !== undefined && { runId: v.lineage.runId }),
});
const versionSortable = (v: ModelVersion): Sortable => ({
  name: v.model,
  version_number: v.version,
  creation_timestamp: millis(v.createdAt),
  last_updated_timestamp: millis(v.updatedAt),
});

export async function searchVersions(
  core: CoreDeps,
  request: SearchRequest,
): Promise<SearchPage<ModelVersion>> {
  const conditions = parseFilter(request.filter);
  const order = parseOrderBy(request.orderBy);
  checkServable("versions", conditions);
  if (!conditions.some((c) => c.field.kind === "name")) {
    throw invalidParameter(
      "filter: model-version search needs a condition on name (name = 'x', name IN ('x', 'y') or name LIKE 'prefix%'): versions are stored per model, and run_id, tags and version_number are not indexed across models",
    );
  }
  const budget = new ReadBudget("models and versions");
  const selected = await candidateModels(core, conditions, budget);
  const exactNumbers = conditions.find(
    (c) => c.field.kind === "version_number" && (c.op === "=" || c.op === "IN"),
  );
  const found: ModelVersion[] = [];
  for (const model of selected) {
    if (exactNumbers) {
      const numbers = (Array.isArray(exactNumbers.value) ? exactNumbers.value : [exactNumbers.value]).map(
        (v) => versionNumberOf(v) as number,
      );
      budget.spend(numbers.length);
      const got = await Promise.all(
        numbers.map((n) =>
          versions.getVersion(core, model.name, n).catch((error: unknown) => {
            if (error instanceof VersionNotFoundError || error instanceof ModelNotFoundError)
              return undefined;
            throw error;
          }),
        ),
      );
      found.push(...got.filter((v): v is ModelVersion => v !== undefined));
      continue;
    }
    let nextToken: string | undefined;
    do {
      const page = await versions
        .listVersions(core, model.name, { limit: PAGE, ...(nextToken !== undefined && { nextToken }) })
        .catch((error: unknown) => {
          // Deleted between the two reads: it has no versions any more.
          if (error instanceof ModelNotFoundError)
            return { items: [] as ModelVersion[], nextToken: undefined };
          throw error;
        });
      budget.spend(page.items.length);
      found.push(...page.items);
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
  }
  const matchers = conditions.map(matcherOf);
  const fullOrder: OrderBy[] = [
    ...order,
    { key: "name", descending: false },
    { key: "version_number", descending: true },
  ];
  const sorted = found
    .filter((v) => matchers.every((match) => match(versionFacts(v))))
    .map((v) => ({ v, s: versionSortable(v) }))
    .sort((a, b) => compare(fullOrder, a.s, b.s))
    .map(({ v }) => v);
  return pageOf("versions", request, sorted);
}
