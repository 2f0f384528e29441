import { ArtifactError } from "../typescript/artifact-errors.ts";
import type { UploadOptions } from "../typescript/artifact-upload.ts";
import { RegistryClient, type RegistryClientOptions } from "../typescript/registry-client.ts";
import { type ErrorBody, RegistryError } from "../typescript/registry-error.ts";
import { TransitionError } from "../typescript/transitions.ts";
import { type Flags, flagOfField, parseCommandLine, unexpectedFlags } from "./args.ts";
import { type Command, type CommandContext, Failed, Lines } from "./commands/command.ts";
import { commands, findCommand, groups } from "./commands/index.ts";
import { type ReadStdin, readStdin } from "./input-files.ts";
import { type ProgressBarOptions, progressBar, statusLine } from "./progress-bar.ts";
import { table } from "./table.ts";
import { shortUsage, usage } from "./usage.ts";
import { UsageError } from "./usage-error.ts";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  stdin: ReadStdin;
  /** Standard error is a terminal: progress bars are drawn (never into pipes or files). */
  stderrIsTTY?: boolean;
  /** The terminal's width. */
  columns?: number;
  /**
   * Calls `listener` on an interrupt (SIGINT: Ctrl-C); the process then exits with 130. Answers
   * the function that removes it. Default: none (tests call the listener themselves).
   */
  onInterrupt?: (listener: () => void) => () => void;
}

export interface RunOptions {
  io?: CliIo;
  /** Extra client options (tests pass `fetch`, `credentials`, `clock`); flags still set endpoint and region. */
  client?: Omit<RegistryClientOptions, "endpoint" | "region">;
  /** Upload and download settings (tests: a `sleep` that does not wait); `fetch` defaults to the client's. */
  transfer?: UploadOptions;
  progress?: ProgressBarOptions;
}

const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stdin: readStdin,
  get stderrIsTTY() {
    return process.stderr.isTTY === true;
  },
  get columns() {
    return process.stderr.columns;
  },
  onInterrupt: (listener) => {
    const onSignal = () => {
      listener();
      process.exit(130);
    };
    process.once("SIGINT", onSignal);
    return () => process.off("SIGINT", onSignal);
  },
};

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

function resolveCommand(words: string[], group: string | undefined): Command {
  const command = findCommand(words);
  if (command) return command;
  if (words.length === 0) throw new UsageError("missing command");
  if (!group) throw new UsageError(`unknown command "${words[0]}" (commands: ${groups.join(", ")})`);
  const actions = commands.filter((command) => command.words[0] === group).map((command) => command.words[1]);
  const action = words[1];
  const problem =
    action === undefined ? `"${group}" needs an action` : `unknown command "${group} ${action}"`;
  throw new UsageError(`${problem} (actions: ${actions.join(", ")})`);
}

function checkCommandLine(command: Command, operands: string[], flags: Flags): void {
  const unexpected = unexpectedFlags(flags, command.options);
  if (unexpected.length > 0) {
    const names = unexpected.map((name) => `--${name}`).join(", ");
    throw new UsageError(`${names}: not an option of "registry ${command.words.join(" ")}"`);
  }
  if (flags["idempotency-key"] !== undefined && !command.idempotent) {
    throw new UsageError(
      `--idempotency-key applies to the create commands, versions abandon and the transition POSTs (request, approve, reject, cancel, rollback) only`,
    );
  }
  if (operands.length !== command.operands.length) {
    const expected = command.operands.length ? command.operands.join(" ") : "no operands";
    throw new UsageError(
      `"registry ${command.words.join(" ")}" expects ${expected}, got ${operands.length} operand(s)`,
    );
  }
  command.operands.forEach((name, index) => {
    const value = operands[index];
    if (value === "" || value === "." || value === "..")
      throw new UsageError(`${name} must not be empty, "." or ".."`);
  });
}

function clientFactory(flags: Flags, extra: RunOptions["client"]): () => RegistryClient {
  let client: RegistryClient | undefined;
  return () => {
    try {
      client ??= new RegistryClient({ ...extra, endpoint: flags.endpoint, region: flags.region });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    return client;
  };
}

/**
 * A 400 whose issues name request fields this command line set from flags, told in the flags'
 * names: each such issue gains `flag`, and the message (the first issue's) starts with it.
 */
function inFlags(
  body: ErrorBody,
  flags: Flags | undefined,
  fieldFlags: ReadonlyMap<string, string>,
): ErrorBody {
  const { issues } = body.error;
  if (!flags || !Array.isArray(issues)) return body;
  const named = (issues as { field?: unknown; message?: unknown }[]).map((issue) => {
    const flag = typeof issue.field === "string" ? flagOfField(issue.field, flags, fieldFlags) : undefined;
    return flag ? { flag, ...issue } : issue;
  });
  const first = named[0] as { flag?: string; field?: string } | undefined;
  const message =
    first?.flag && body.error.message.startsWith(`${first.field}:`)
      ? `${first.flag}:${body.error.message.slice(`${first.field}:`.length)}`
      : body.error.message;
  return { error: { ...body.error, message, issues: named } };
}

function report(
  error: unknown,
  io: CliIo,
  command: Command | undefined,
  group: string | undefined,
  given?: { flags: Flags; fieldFlags: ReadonlyMap<string, string> },
): number {
  if (error instanceof UsageError) {
    io.stderr(`registry: ${error.message}\n${shortUsage(command, group)}`);
    return 2;
  }
  if (error instanceof RegistryError) {
    io.stderr(
      json(
        error.status === 400 ? inFlags(error.body, given?.flags, given?.fieldFlags ?? new Map()) : error.body,
      ),
    );
    return 1;
  }
  if (error instanceof ArtifactError || error instanceof TransitionError) {
    io.stderr(json(error.body));
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  io.stderr(json({ error: { code: "ClientError", message } }));
  return 1;
}

function outputFormat(value: string | undefined): "json" | "table" {
  if (value === undefined || value === "json") return "json";
  if (value === "table") return "table";
  throw new UsageError(`--output: ${JSON.stringify(value)} is not json or table`);
}

/** Runs one command line; resolves to the process exit status. */
export async function runCli(argv: string[], options: RunOptions = {}): Promise<number> {
  const io = options.io ?? processIo;
  let group: string | undefined;
  let command: Command | undefined;
  let given: { flags: Flags; fieldFlags: Map<string, string> } | undefined;
  try {
    const { words, flags } = parseCommandLine(argv);
    given = { flags, fieldFlags: new Map() };
    group = groups.find((name) => name === words[0]);
    if (flags.help || words[0] === "help") {
      io.stdout(usage(group ?? groups.find((name) => name === words[1])));
      return 0;
    }
    command = resolveCommand(words, group);
    const operands = words.slice(command.words.length);
    checkCommandLine(command, operands, flags);
    const terminal = { write: io.stderr, isTTY: io.stderrIsTTY === true, columns: io.columns };
    const context: CommandContext = {
      client: clientFactory(flags, options.client),
      operands,
      flags,
      write: { idempotencyKey: flags["idempotency-key"] },
      stdin: io.stdin,
      transfer: { fetch: options.client?.fetch, ...options.transfer },
      progress: (label) => progressBar(label, terminal, options.progress),
      status: () => statusLine(terminal),
      note: io.stderr,
      onInterrupt: (listener) => io.onInterrupt?.(listener) ?? (() => {}),
      fieldFlags: given.fieldFlags,
    };
    const output = outputFormat(flags.output);
    const outcome = await command.run(context);
    const result = outcome instanceof Failed ? outcome.result : outcome;
    io.stdout(
      result instanceof Lines
        ? result.lines.map((line) => `${line}\n`).join("")
        : output === "table"
          ? table(result)
          : json(result),
    );
    return outcome instanceof Failed ? outcome.exitCode : 0;
  } catch (error) {
    return report(error, io, command, group, given);
  }
}
