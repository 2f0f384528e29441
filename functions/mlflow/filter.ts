/**
 * MLflow's search filter language, as its client sends it to `registered-models/search` and
 * `model-versions/search`: comparisons joined by `AND` (there is no `OR` in MLflow's grammar).
 *
 *     name = 'fraud'            name != 'x'          name LIKE 'fraud-%'     name ILIKE '%Fraud%'
 *     tags.team = 'risk'        tags.`my key` LIKE 'a%'                      run_id = 'abc'
 *     run_id IN ('a', 'b')      name IN ('a', 'b')   version_number >= 3     version_number IN (1, 2)
 *
 * and `order_by` clauses (`name ASC`, `version_number DESC`, `last_updated_timestamp`). A small
 * tokenizer and a recursive-descent parser: what it cannot read is an `MlflowFilterError` that
 * says where and what was expected. Which fields a search can serve is decided by the search
 * (`search.ts`), not here.
 */

export class MlflowFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MlflowFilterError";
  }
}

export type FilterField =
  | { kind: "name" }
  | { kind: "tag"; key: string }
  | { kind: "run_id" }
  | { kind: "version_number" }
  | { kind: "other"; name: string };

export type Comparator = "=" | "!=" | "<" | "<=" | ">" | ">=" | "LIKE" | "ILIKE" | "IN" | "NOT IN";

export interface Condition {
  field: FilterField;
  op: Comparator;
  /** A string, a number, or (IN, NOT IN) a list of them. */
  value: string | number | (string | number)[];
}

type Token =
  | { t: "ident"; v: string; at: number }
  | { t: "string"; v: string; at: number }
  | { t: "number"; v: number; at: number }
  | { t: "op"; v: string; at: number }
  | { t: "punct"; v: "(" | ")" | ","; at: number };

const KEYWORDS = new Set(["AND", "OR", "LIKE", "ILIKE", "IN", "NOT"]);

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const at = i;
    if (c === "'" || c === '"') {
      const { value, end } = quoted(text, i, c);
      tokens.push({ t: "string", v: value, at });
      i = end;
    } else if (c === "(" || c === ")" || c === ",") {
      tokens.push({ t: "punct", v: c, at });
      i++;
    } else if (/[=!<>]/.test(c)) {
      const two = text.slice(i, i + 2);
      const op = ["!=", "<=", ">=", "<>", "=="].includes(two) ? two : c;
      if (op === "!") throw new MlflowFilterError(`unexpected '!' at position ${at}: did you mean '!='?`);
      tokens.push({ t: "op", v: op === "<>" ? "!=" : op === "==" ? "=" : op, at });
      i += op.length;
    } else if (/[0-9-]/.test(c) && /^-?[0-9]/.test(text.slice(i, i + 2))) {
      const match = /^-?[0-9]+(\.[0-9]+)?/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ t: "number", v: Number(match[0]), at });
      i += match[0].length;
    } else if (/[A-Za-z_`]/.test(c)) {
      // An identifier, possibly dotted, whose parts may be quoted: tags.`my key`, tags."my key".
      let ident = "";
      while (i < text.length) {
        const ch = text[i] as string;
        if (ch === "`" || ((ch === '"' || ch === "'") && ident.endsWith("."))) {
          const { value, end } = quoted(text, i, ch);
          ident += value;
          i = end;
        } else if (/[A-Za-z0-9_.]/.test(ch)) {
          ident += ch;
          i++;
        } else break;
      }
      tokens.push({ t: "ident", v: ident, at });
    } else {
      throw new MlflowFilterError(`unexpected character '${c}' at position ${at}`);
    }
  }
  return tokens;
}

/** A quoted string starting at `start`; a doubled quote inside stands for one. */
function quoted(text: string, start: number, quote: string): { value: string; end: number } {
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === quote) {
      if (text[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    value += ch;
    i++;
  }
  throw new MlflowFilterError(`unterminated ${quote} quote starting at position ${start}`);
}

function fieldOf(ident: string): FilterField {
  const lower = ident.toLowerCase();
  if (lower === "name") return { kind: "name" };
  if (lower === "run_id") return { kind: "run_id" };
  if (lower === "version_number") return { kind: "version_number" };
  for (const prefix of ["tags.", "tag."]) {
    if (lower.startsWith(prefix) && ident.length > prefix.length) {
      return { kind: "tag", key: ident.slice(prefix.length) };
    }
  }
  return { kind: "other", name: ident };
}

/** Parses a filter string; an empty or blank one is no condition at all. */
export function parseFilter(text: string | undefined): Condition[] {
  if (text === undefined || text.trim() === "") return [];
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const describe = (token: Token | undefined) =>
    token ? `'${String(token.v)}' at position ${token.at}` : "the end of the filter";
  const isWord = (token: Token | undefined, word: string) =>
    token?.t === "ident" && token.v.toUpperCase() === word;

  const value = (): string | number => {
    const token = tokens[pos++];
    if (token?.t === "string" || token?.t === "number") return token.v;
    throw new MlflowFilterError(`expected a quoted string or a number, found ${describe(token)}`);
  };

  const condition = (): Condition => {
    const token = tokens[pos++];
    if (token?.t !== "ident" || KEYWORDS.has(token.v.toUpperCase())) {
      throw new MlflowFilterError(
        `expected a field such as name, tags.<key>, run_id or version_number, found ${describe(token)}`,
      );
    }
    const field = fieldOf(token.v);
    let op: Comparator;
    const next = tokens[pos++];
    if (next?.t === "op") op = next.v as Comparator;
    else if (isWord(next, "LIKE") || isWord(next, "ILIKE") || isWord(next, "IN")) {
      op = (next as { v: string }).v.toUpperCase() as Comparator;
    } else if (isWord(next, "NOT") && isWord(peek(), "IN")) {
      pos++;
      op = "NOT IN";
    } else {
      throw new MlflowFilterError(
        `expected a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN) after '${token.v}', found ${describe(next)}`,
      );
    }
    if (op === "IN" || op === "NOT IN") {
      const open = tokens[pos++];
      if (open?.t !== "punct" || open.v !== "(") {
        throw new MlflowFilterError(`expected '(' after ${op}, found ${describe(open)}`);
      }
      const list: (string | number)[] = [value()];
      for (;;) {
        const sep = tokens[pos++];
        if (sep?.t === "punct" && sep.v === ")") break;
        if (sep?.t !== "punct" || sep.v !== ",") {
          throw new MlflowFilterError(`expected ',' or ')' in the ${op} list, found ${describe(sep)}`);
        }
        list.push(value());
      }
      return { field, op, value: list };
    }
    return { field, op, value: value() };
  };

  const conditions = [condition()];
  while (pos < tokens.length) {
    const joiner = tokens[pos++];
    if (isWord(joiner, "OR")) {
      throw new MlflowFilterError("OR is not supported in MLflow search filters: join conditions with AND");
    }
    if (!isWord(joiner, "AND")) {
      throw new MlflowFilterError(`expected AND between conditions, found ${describe(joiner)}`);
    }
    conditions.push(condition());
  }
  return conditions;
}

export type OrderKey = "name" | "version_number" | "creation_timestamp" | "last_updated_timestamp";

export interface OrderBy {
  key: OrderKey;
  descending: boolean;
}

const ORDER_KEYS: Record<string, OrderKey> = {
  name: "name",
  version_number: "version_number",
  creation_timestamp: "creation_timestamp",
  last_updated_timestamp: "last_updated_timestamp",
  // MLflow's registered-model search also calls the last update `timestamp`.
  timestamp: "last_updated_timestamp",
};

/** MLflow's `order_by` clauses: `<key> [ASC|DESC]`, each key at most once. */
export function parseOrderBy(clauses: readonly string[]): OrderBy[] {
  const out: OrderBy[] = [];
  for (const clause of clauses) {
    const parts = clause.trim().split(/\s+/);
    const [rawKey, direction, ...rest] = parts;
    const key = ORDER_KEYS[(rawKey ?? "").toLowerCase()];
    if (!key) {
      throw new MlflowFilterError(
        `cannot order by '${rawKey ?? ""}': order_by takes name, version_number, creation_timestamp or last_updated_timestamp, each with ASC or DESC`,
      );
    }
    const dir = (direction ?? "ASC").toUpperCase();
    if ((dir !== "ASC" && dir !== "DESC") || rest.length > 0) {
      throw new MlflowFilterError(`invalid order_by clause '${clause}': write '<key> ASC' or '<key> DESC'`);
    }
    if (out.some((o) => o.key === key)) {
      throw new MlflowFilterError(`order_by names '${key}' twice`);
    }
    out.push({ key, descending: dir === "DESC" });
  }
  return out;
}

/**
 * SQL `LIKE` as a predicate: `%` is any run of characters, `_` exactly one, everything else
 * itself; `ILIKE` ignores case.
 */
export function likeMatcher(pattern: string, ignoreCase: boolean): (text: string) => boolean {
  const source = [...pattern]
    .map((c) =>
      c === "%" ? "[\\s\\S]*" : c === "_" ? "[\\s\\S]" : c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&"),
    )
    .join("");
  const regex = new RegExp(`^${source}$`, ignoreCase ? "iu" : "u");
  return (text) => regex.test(text);
}

/** The literal start of a LIKE pattern, before its first wildcard: what a key prefix query can serve. */
export function literalPrefix(pattern: string): string {
  const wildcard = pattern.search(/[%_]/);
  return wildcard === -1 ? pattern : pattern.slice(0, wildcard);
}
