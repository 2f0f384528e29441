import type { RegistryClient, WriteOptions } from "../../lib/registry-client.ts";
import type { Page } from "../../lib/types.ts";
import type { Flags, OptionName } from "../args.ts";
import { parseLimit } from "../flag-values.ts";
import type { ReadStdin } from "../input-files.ts";

export interface CommandContext {
  /** Created on first use, so that usage errors never need credentials. */
  client: () => RegistryClient;
  /** Operands, in the order of `Command.operands`. */
  operands: string[];
  flags: Flags;
  write: WriteOptions;
  stdin: ReadStdin;
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
  /** The JSON to print. */
  run(context: CommandContext): Promise<unknown>;
}

/** One page (`{ items, nextToken }`), or with `--all` every item as one array. */
export async function listing<T>(
  context: CommandContext,
  fetchPage: (limit: number | undefined, nextToken: string | undefined) => Promise<Page<T>>,
): Promise<Page<T> | T[]> {
  const limit = parseLimit(context.flags.limit);
  if (!context.flags.all) return fetchPage(limit, undefined);
  const items: T[] = [];
  for await (const item of context.client().paginate((nextToken) => fetchPage(limit, nextToken)))
    items.push(item);
  return items;
}

export function operand(context: CommandContext, index: number): string {
  const value = context.operands[index];
  if (value === undefined) throw new Error(`missing operand ${index}`);
  return value;
}
