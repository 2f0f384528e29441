import type { UploadOptions } from "../../typescript/artifact-upload.ts";
import type { RegistryClient, WriteOptions } from "../../typescript/registry-client.ts";
import type { Page } from "../../typescript/types.ts";
import type { Flags, OptionName } from "../args.ts";
import { parseLimit, parseNextToken } from "../flag-values.ts";
import type { ReadStdin } from "../input-files.ts";
import type { ProgressBar, StatusLine } from "../progress-bar.ts";

export interface CommandContext {
  /** Created on first use, so that usage errors never need credentials. */
  client: () => RegistryClient;
  /** Operands, in the order of `Command.operands`. */
  operands: string[];
  flags: Flags;
  write: WriteOptions;
  stdin: ReadStdin;
  /** Ports and settings of uploads and downloads (tests pass a fake `fetch` and a `sleep` that does not wait). */
  transfer: UploadOptions;
  /** A progress bar on standard error when it is a terminal; one that draws nothing otherwise. */
  progress: (label: string) => ProgressBar;
  /** A status line on standard error when it is a terminal (redrawn in place); nothing otherwise. */
  status: () => StatusLine;
  /** A note for the user on standard error (stdout stays the command's result). */
  note: (text: string) => void;
  /**
   * Runs `listener` when the user interrupts the command (Ctrl-C), before the process exits
   * with status 130; answers the function that removes the listener.
   */
  onInterrupt: (listener: () => void) => () => void;
  /**
   * Request fields the command set from a flag in a way `FLAG_FIELDS` cannot tell (the n-th
   * artifact came from `--artifact-file model.onnx`): an error about one names that flag.
   */
  fieldFlags: Map<string, string>;
}

/** A result printed as plain lines rather than JSON. */
export class Lines {
  constructor(readonly lines: readonly string[]) {}
}

/**
 * A result printed as any other, then a non-zero exit status: the command ran, and what it
 * found is a failure (a transition that ended REJECTED). The command has said why on stderr.
 */
export class Failed {
  constructor(
    readonly result: unknown,
    readonly exitCode = 1,
  ) {}
}

export interface Command {
  /** `["models", "list"]`, or `["history"]` for a command without an action. */
  words: readonly string[];
  operands: readonly string[];
  options: readonly OptionName[];
  /** Flags part of the usage line. */
  synopsis: string;
  /** Takes `--idempotency-key` (the POSTs). */
  idempotent?: boolean;
  /** The JSON to print, or `Lines`. */
  run(context: CommandContext): Promise<unknown>;
}

/** A command that takes no options: its usage line is its words and operands. */
export function commandWithoutOptions(
  words: readonly string[],
  operands: readonly string[],
  run: Command["run"],
): Command {
  return { words, operands, options: [], synopsis: "", run };
}

/** The options of every list command, and their usage. */
export const PAGE_OPTIONS = ["limit", "next-token", "all"] as const satisfies readonly OptionName[];
export const PAGE_SYNOPSIS = "[--limit N] [--next-token T] [--all]";

/**
 * One page (`{ items, nextToken }`): the first, or the one `--next-token` names (the `nextToken`
 * of the page before). With `--all`, every item from there on, in the same shape (`{ items }`,
 * the last page's: no `nextToken`), so a script reads `.items` either way.
 */
export async function listing<T>(
  context: CommandContext,
  fetchPage: (limit: number | undefined, nextToken: string | undefined) => Promise<Page<T>>,
): Promise<Page<T>> {
  const limit = parseLimit(context.flags.limit);
  const startToken = parseNextToken(context.flags["next-token"]);
  if (!context.flags.all) return fetchPage(limit, startToken);
  const items: T[] = [];
  for await (const item of context.client().paginate((nextToken) => fetchPage(limit, nextToken), startToken))
    items.push(item);
  return { items };
}

export function operand(context: CommandContext, index: number): string {
  const value = context.operands[index];
  if (value === undefined) throw new Error(`missing operand ${index}`);
  return value;
}
