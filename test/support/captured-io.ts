import type { CliIo } from "../../clients/cli/run.ts";

/** A CLI's io that keeps what it writes: read `stdout` and `stderr` once the command has run. */
export function capturedIo(stdin = "", extra: Partial<CliIo> = {}) {
  const captured = {
    stdout: "",
    stderr: "",
    io: {
      stdout: (text: string) => {
        captured.stdout += text;
      },
      stderr: (text: string) => {
        captured.stderr += text;
      },
      stdin: async () => stdin,
      ...extra,
    } satisfies CliIo,
  };
  return captured;
}
