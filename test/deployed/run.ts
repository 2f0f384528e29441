/**
 * `npm run test:deployed [--allow-not-run] [vitest arguments…]`: the contract suite against a
 * real deployment. When it cannot run (no URL, region or credentials) it says NOT RUN and exits
 * with NOT_RUN_EXIT_CODE (78), never 0, so a pipeline cannot mistake "not run" for "passed";
 * `--allow-not-run` makes that case exit 0, for a pipeline that has no deployment on purpose
 * (it still prints NOT RUN). Otherwise it runs vitest and exits with vitest's status.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { type CredentialsResolver, deployedReadiness, NOT_RUN_EXIT_CODE } from "./readiness.ts";

export const ALLOW_NOT_RUN = "--allow-not-run";

export interface RunDeployedOptions {
  env?: NodeJS.ProcessEnv;
  resolveCredentials?: CredentialsResolver;
  /** Runs vitest with these arguments and answers its exit code (tests pass their own). */
  vitest?: (args: string[]) => Promise<number>;
  log?: (line: string) => void;
}

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

function runVitest(args: string[]): Promise<number> {
  const bin = createRequire(import.meta.url).resolve("vitest/vitest.mjs");
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: ROOT, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

export async function runDeployed(argv: string[], options: RunDeployedOptions = {}): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const allowNotRun = argv.includes(ALLOW_NOT_RUN);
  const passed = argv.filter((arg) => arg !== ALLOW_NOT_RUN);
  const readiness = await deployedReadiness(options.env, options.resolveCredentials);
  if (!readiness.ready) {
    log(readiness.message);
    if (allowNotRun) {
      log(`[deployed] ${ALLOW_NOT_RUN}: exiting 0, but nothing was tested against a deployment.`);
      return 0;
    }
    log(`[deployed] exit ${NOT_RUN_EXIT_CODE} (not run); pass ${ALLOW_NOT_RUN} to exit 0 instead.`);
    return NOT_RUN_EXIT_CODE;
  }
  log(`[deployed] running the contract tests against ${readiness.url} (${readiness.region})`);
  return (options.vitest ?? runVitest)(["run", "--config", "vitest.deployed.config.ts", ...passed]);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await runDeployed(process.argv.slice(2));
}
