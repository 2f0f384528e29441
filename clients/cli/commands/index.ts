import { aliasCommands } from "./aliases.ts";
import { type Command, commandWithoutOptions } from "./command.ts";
import { downloadCommands } from "./download.ts";
import { historyCommands } from "./history.ts";
import { modelCommands } from "./models.ts";
import { transitionCommands } from "./transitions.ts";
import { versionCommands } from "./versions.ts";

export const commands: readonly Command[] = [
  ...modelCommands,
  ...versionCommands,
  ...aliasCommands,
  ...historyCommands,
  ...downloadCommands,
  ...transitionCommands,
  commandWithoutOptions(["whoami"], [], (context) => context.client().whoami()),
];

export const groups: readonly string[] = [...new Set(commands.map((command) => command.words[0] ?? ""))];

/** The command whose words lead `words` (the rest are its operands). */
export function findCommand(words: readonly string[]): Command | undefined {
  return commands.find((command) => command.words.every((word, index) => words[index] === word));
}
