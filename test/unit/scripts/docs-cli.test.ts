import { describe, expect, it } from "vitest";
import { commands } from "../../../clients/cli/commands/index.ts";
import { commandLine, usage } from "../../../clients/cli/usage.ts";
import { formatCliSynopsis } from "../../../scripts/docs-cli.ts";

describe("the README's CLI synopsis", () => {
  it("is the command lines and global flags of `registry --help`", () => {
    const synopsis = formatCliSynopsis();
    for (const command of commands) expect(synopsis).toContain(`  ${commandLine(command)}`);
    expect(synopsis).toContain("Global flags:\n  --endpoint URL");
    expect(usage()).toContain(synopsis.split("\n").slice(1, -1).join("\n"));
  });

  it("leaves out the help's notes, which the README words itself", () => {
    expect(formatCliSynopsis()).not.toContain("Exit status:");
  });

  it("fails, naming the paragraph, when the help no longer has one it copies", () => {
    expect(() => formatCliSynopsis("Usage:\n  registry x\n")).toThrow(/no "Global flags:" paragraph/);
  });
});
