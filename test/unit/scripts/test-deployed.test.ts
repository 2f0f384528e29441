/**
 * `npm run test:deployed` when it cannot run, the only path of the deployed suite this machine
 * can exercise (no AWS here): it says NOT RUN, names what is missing and exits 78, or 0 with
 * --allow-not-run; it never starts vitest then, and passes vitest's own status through when it does.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { deployedReadiness, NOT_RUN_EXIT_CODE } from "../../deployed/readiness.ts";
import { runDeployed } from "../../deployed/run.ts";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const CONFIGURED = {
  REGISTRY_DEPLOYED_URL: "https://abc123.execute-api.eu-west-1.amazonaws.com/v1/",
  AWS_REGION: "eu-west-1",
};
const found = async () => ({ accessKeyId: "AKIAEXAMPLE", secretAccessKey: "secret" });
const none = async () => {
  throw new Error("Could not load credentials from any providers");
};

function harness(env: NodeJS.ProcessEnv, resolveCredentials = found, vitestStatus = 0) {
  const lines: string[] = [];
  const vitestRuns: string[][] = [];
  const run = (argv: string[]) =>
    runDeployed(argv, {
      env,
      resolveCredentials,
      log: (line) => lines.push(line),
      vitest: async (args) => {
        vitestRuns.push(args);
        return vitestStatus;
      },
    });
  return { run, lines, vitestRuns };
}

describe("npm run test:deployed", () => {
  it("without a URL, region or credentials: NOT RUN naming each, exit 78, vitest never started", async () => {
    const { run, lines, vitestRuns } = harness({}, none);
    expect(await run([])).toBe(NOT_RUN_EXIT_CODE);
    expect(NOT_RUN_EXIT_CODE).not.toBe(0);
    expect(NOT_RUN_EXIT_CODE).not.toBe(1);
    const said = lines.join("\n");
    expect(said).toMatch(/NOT RUN/);
    expect(said).toMatch(/REGISTRY_DEPLOYED_URL/);
    expect(said).toMatch(/AWS_REGION/);
    expect(said).toMatch(/credentials.*Could not load credentials from any providers/);
    expect(vitestRuns).toEqual([]);
  });

  it("with --allow-not-run: still says NOT RUN, exits 0, vitest never started", async () => {
    const { run, lines, vitestRuns } = harness({}, none);
    expect(await run(["--allow-not-run"])).toBe(0);
    expect(lines.join("\n")).toMatch(/NOT RUN[\s\S]*nothing was tested/);
    expect(vitestRuns).toEqual([]);
  });

  it("a URL and region without credentials from the chain is not run either", async () => {
    const { run, lines } = harness(CONFIGURED, none);
    expect(await run([])).toBe(NOT_RUN_EXIT_CODE);
    expect(lines.join("\n")).not.toMatch(/REGISTRY_DEPLOYED_URL|AWS_REGION \(/);
    expect(lines.join("\n")).toMatch(/credentials/);
  });

  it("credentials from any provider of the chain count (not only AWS_ACCESS_KEY_ID): it runs vitest and passes its status through", async () => {
    for (const status of [0, 1]) {
      const { run, vitestRuns } = harness({ ...CONFIGURED }, found, status);
      expect(await run(["--allow-not-run", "-t", "artifacts"])).toBe(status);
      expect(vitestRuns).toEqual([["run", "--config", "vitest.deployed.config.ts", "-t", "artifacts"]]);
    }
    expect(await deployedReadiness({ ...CONFIGURED }, found)).toEqual({
      ready: true,
      url: CONFIGURED.REGISTRY_DEPLOYED_URL,
      region: "eu-west-1",
    });
  });

  it("the real command, with no deployment and no credentials anywhere, exits 78 (0 with --allow-not-run)", async () => {
    const home = mkdtempSync(join(tmpdir(), "registry-deployed-home-"));
    // Nothing for the default chain to find, and no network: no files, no instance metadata.
    const env = {
      PATH: process.env.PATH,
      HOME: home,
      AWS_CONFIG_FILE: join(home, "missing-config"),
      AWS_SHARED_CREDENTIALS_FILE: join(home, "missing-credentials"),
      AWS_EC2_METADATA_DISABLED: "true",
    };
    const command = (args: string[]) =>
      new Promise<{ code: number; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          ["--import", "tsx", "test/deployed/run.ts", ...args],
          { cwd: ROOT, env },
          (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr }),
        );
      });
    try {
      const notRun = await command([]);
      expect(notRun.code, notRun.stderr).toBe(NOT_RUN_EXIT_CODE);
      expect(notRun.stderr).toMatch(/NOT RUN.*REGISTRY_DEPLOYED_URL/);
      const allowed = await command(["--allow-not-run"]);
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(allowed.stderr).toMatch(/NOT RUN/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 60_000);
});
