import { runCli } from "./run.ts";

// A reader that stops early (`registry models list | head -3`) closes the pipe: stop quietly, as
// Unix tools do, instead of dying of an unhandled EPIPE 'error' event with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
    process.exit(process.exitCode ?? 0);
  });
}

process.exitCode = await runCli(process.argv.slice(2));
