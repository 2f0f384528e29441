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
