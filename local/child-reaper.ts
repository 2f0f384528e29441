import { type ChildProcess, spawn } from "node:child_process";

/**
 * Java does not notice when the Node process that spawned it dies, so a crashed or SIGKILLed
 * `npm start` (or test run) would leave DynamoDB Local running and its port taken. This starts a
 * tiny detached Node process that kills `child` once this process is gone. Returns a function
 * that stops the watchdog (call it after stopping the child yourself).
 */
export function killChildWhenParentDies(child: ChildProcess): () => void {
  if (child.pid === undefined) return () => {};
  const script = `
    const [parent, child] = process.argv.slice(1).map(Number);
    const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
    setInterval(() => {
      if (!alive(child)) process.exit(0);
      if (!alive(parent)) { try { process.kill(child, "SIGKILL"); } catch {} process.exit(0); }
    }, 500);`;
  const watchdog = spawn(process.execPath, ["-e", script, String(process.pid), String(child.pid)], {
    detached: true,
    stdio: "ignore",
  });
  watchdog.unref();
  // Covers a normal exit and an uncaught exception, where 'exit' handlers still run.
  const onExit = () => child.kill("SIGKILL");
  process.once("exit", onExit);
  return () => {
    process.removeListener("exit", onExit);
    if (watchdog.exitCode === null) watchdog.kill("SIGKILL");
  };
}
