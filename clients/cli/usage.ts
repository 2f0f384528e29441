import { DEFAULT_ENDPOINT, DEFAULT_REGION } from "../typescript/config.ts";
import {
  DEFAULT_WAIT_TIMEOUT_MS,
  ENDED_TRANSITION_STATUSES,
  ROLLBACK_STAGES,
  STAGES,
} from "../typescript/transitions.ts";
import type { Command } from "./commands/command.ts";
import { commands, groups } from "./commands/index.ts";

export function commandLine(command: Command): string {
  return ["registry", ...command.words, ...command.operands, command.synopsis].filter(Boolean).join(" ");
}

const GLOBAL_FLAGS = `Global flags:
  --endpoint URL         registry base URL, may include a stage path (env REGISTRY_ENDPOINT; default ${DEFAULT_ENDPOINT})
  --region R             SigV4 signing region (env AWS_REGION or AWS_DEFAULT_REGION; default ${DEFAULT_REGION})
  --idempotency-key K    Idempotency-Key header for the create commands, versions abandon and the transition POSTs
  -o, --output F         json (default: for scripts) or table (for people)
  -h, --help             show this help`;

const NOTES = `Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY [/ AWS_SESSION_TOKEN], else the AWS SDK
default chain (AWS_PROFILE, SSO, container or instance role). Local mode prints its credentials at start.
Lists print one page ({ items, nextToken }); --next-token T prints the page after the one that returned T;
--all follows nextToken and prints every item in the same shape ({ items }; --limit is then the page size).
Output: JSON on stdout, or --output table (download: one "SHA-256  FILE" line per file, as sha256sum writes).
whoami prints the principal ARN the registry records on your writes, its account and (local mode) its roles.
Exit status: 0 success, 1 the request failed (error JSON on stderr), 2 usage error.

Artifacts: versions create --artifact-file/--artifact-dir declares the files, uploads them (multipart above the
registry's threshold, --parallel parts at once, default 4), seals the version and waits until it is READY;
--no-wait stops after the seal request, --no-upload only declares. An interrupted upload is resumed with
versions upload MODEL VERSION and the same files: only what the bucket lacks is sent (Ctrl-C prints that command);
versions abandon MODEL VERSION gives an unsealed version up for good. download MODEL VERSION|ALIAS
--to DIR verifies each file's size and SHA-256 and deletes a file that does not match. A progress bar is drawn
on stderr when it is a terminal.

Stages: transitions request asks to move a version to --to STAGE, one of ${STAGES.join(", ")}.
The registry's workflow validates the request, waits for approvals where the model's policy asks, then
applies it, so the answer is the request, REQUESTED. --wait (or transitions wait MODEL ID) polls it (250 ms
growing to 2 s; --timeout SECONDS, default ${DEFAULT_WAIT_TIMEOUT_MS / 1000}) until it has ended or awaits approvals, and prints it.
Exit 0 when it is APPLIED, or AWAITING_APPROVAL with approvals missing; exit 1 when it ended otherwise
(${ENDED_TRANSITION_STATUSES.filter((status) => status !== "APPLIED").join(", ")}: status and reason on stderr) or is still open at the timeout.
Approvers: approvals list, transitions approve / reject (--comment required). cancel is the requester's;
cancel --force (a DELETE) is an admin's cancel of anyone's request. rollback --stage ${ROLLBACK_STAGES.join("|")}
requests the stage's previous holder back, through the same workflow.`;

function lines(group: string | undefined): string {
  return commands
    .filter((command) => group === undefined || command.words[0] === group)
    .map((command) => `  ${commandLine(command)}`)
    .join("\n");
}

/** Full help, or the help of one command group. */
export function usage(group?: string): string {
  return `Usage:\n${lines(group)}\n\n${GLOBAL_FLAGS}\n\n${NOTES}\n`;
}

/** The few lines printed after a usage error. */
export function shortUsage(command: Command | undefined, group: string | undefined): string {
  const synopsis = command
    ? `  ${commandLine(command)}`
    : group
      ? lines(group)
      : `  registry <${groups.join("|")}> ... [flags]`;
  return `Usage:\n${synopsis}\nRun 'registry --help' for all commands and flags.\n`;
}
