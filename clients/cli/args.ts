import { parseArgs } from "node:util";
import { UsageError } from "./usage-error.ts";

/** Every flag of every command; each command says which of them it takes (globals go everywhere). */
export const OPTIONS = {
  endpoint: { type: "string" },
  region: { type: "string" },
  "idempotency-key": { type: "string" },
  help: { type: "boolean", short: "h" },
  output: { type: "string", short: "o" },
  all: { type: "boolean" },
  limit: { type: "string" },
  "next-token": { type: "string" },
  prefix: { type: "string" },
  owner: { type: "string" },
  description: { type: "string" },
  "policy-file": { type: "string" },
  tag: { type: "string", multiple: true },
  "if-match": { type: "string" },
  stage: { type: "string" },
  status: { type: "string" },
  file: { type: "string" },
  metric: { type: "string", multiple: true },
  param: { type: "string", multiple: true },
  framework: { type: "string" },
  format: { type: "string" },
  artifact: { type: "string", multiple: true },
  "artifact-file": { type: "string", multiple: true },
  "artifact-dir": { type: "string", multiple: true },
  // node:util parseArgs negates booleans only from Node 22.4 on, so the negations are flags.
  "no-upload": { type: "boolean" },
  "no-wait": { type: "boolean" },
  parallel: { type: "string" },
  to: { type: "string" },
  "model-card": { type: "string" },
  comment: { type: "string" },
  version: { type: "string" },
  wait: { type: "boolean" },
  timeout: { type: "string" },
  force: { type: "boolean" },
} as const;

export type OptionName = keyof typeof OPTIONS;
export const GLOBAL_OPTIONS: readonly OptionName[] = [
  "endpoint",
  "region",
  "idempotency-key",
  "help",
  "output",
];

function parse(args: string[]) {
  return parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
}

export type Flags = ReturnType<typeof parse>["values"];

export interface CommandLine {
  /** Positional words: command group, action and operands. */
  words: string[];
  flags: Flags;
}

export function parseCommandLine(args: string[]): CommandLine {
  try {
    const { positionals, values } = parse(args);
    return { words: positionals, flags: values };
  } catch (error) {
    // node:util parseArgs throws TypeErrors with ERR_PARSE_ARGS_* codes and readable messages.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The flags given on the command line that are neither global nor in `allowed`. */
export function unexpectedFlags(flags: Flags, allowed: readonly OptionName[]): string[] {
  return Object.keys(flags).filter(
    (name) => !GLOBAL_OPTIONS.includes(name as OptionName) && !allowed.includes(name as OptionName),
  );
}

/**
 * The request fields each flag sets, named as the server's 400s name them (`body.tags.team`,
 * `query.limit`, `header.If-Match`): the CLI reports an error about one of them in the flag's
 * name (`flagOfField`), not in the request's. Map flags (`--tag k=v`) own only the keys they set;
 * artifacts are numbered by the command that declares them (`CommandContext.fieldFlags`).
 */
export const FLAG_FIELDS: Partial<Record<OptionName, readonly string[]>> = {
  description: ["body.description"],
  owner: ["body.owner", "query.owner"],
  tag: ["body.tags", "query.tag"],
  metric: ["body.metrics"],
  param: ["body.params"],
  framework: ["body.framework"],
  format: ["body.format"],
  "model-card": ["body.modelCard"],
  "policy-file": ["body"],
  comment: ["body.comment"],
  to: ["body.to"],
  stage: ["body.stage", "query.stage"],
  status: ["query.status"],
  prefix: ["query.prefix"],
  limit: ["query.limit"],
  "next-token": ["query.nextToken"],
  "if-match": ["header.If-Match"],
  "idempotency-key": ["header.Idempotency-Key"],
};

/** Flags given as `key=value`, whose body field is a map: they own only the keys they set. */
const MAP_FLAGS: ReadonlySet<OptionName> = new Set(["tag", "metric", "param"]);

/** `field` below `prefix`: the rest of its path (`""` for the field itself), or undefined. */
function below(field: string, prefix: string): string | undefined {
  if (field === prefix) return "";
  if (field.startsWith(`${prefix}.`)) return field.slice(prefix.length + 1);
  if (field.startsWith(`${prefix}[`)) return field.slice(prefix.length);
  return undefined;
}

/** The first key of a path rest: `team.x` → `team`, `["val loss"].x` → `val loss`. */
function firstKey(rest: string): string {
  if (!rest.startsWith("[")) return rest.split(".")[0] ?? "";
  const end = rest.indexOf('"]');
  try {
    return JSON.parse(rest.slice(1, end + 1)) as string;
  } catch {
    return rest;
  }
}

/**
 * The flag that set a request field the server named (`body.tags.team` → `--tag (team)`), when
 * this command line gave that flag; `fieldFlags` holds what a command numbered itself
 * (`body.artifacts.2` → `--artifact-file model.onnx`). Undefined for a field no flag set.
 */
export function flagOfField(
  field: string,
  flags: Flags,
  fieldFlags: ReadonlyMap<string, string> = new Map(),
): string | undefined {
  const label = (flag: string, rest: string) => (rest ? `${flag} (${rest})` : flag);
  for (const [prefix, flag] of fieldFlags) {
    const rest = below(field, prefix);
    if (rest !== undefined) return label(flag, rest);
  }
  for (const [name, prefixes] of Object.entries(FLAG_FIELDS) as [OptionName, readonly string[]][]) {
    const given = flags[name];
    if (given === undefined) continue;
    for (const prefix of prefixes) {
      const rest = below(field, prefix);
      if (rest === undefined) continue;
      if (MAP_FLAGS.has(name) && prefix.startsWith("body.")) {
        const keys = (given as string[]).map((pair) => pair.slice(0, pair.indexOf("=")));
        if (!keys.includes(firstKey(rest))) continue;
      }
      return label(`--${name}`, rest);
    }
  }
  return undefined;
}
