/**
 * The two clients installed as a user installs them, outside the repository (issue 20, part 3):
 *
 * - the CLI: `npm pack` in clients/cli (which builds the bundle), the tarball installed into an
 *   empty folder with `npm install`, and its `registry` binary run from there against local mode:
 *   nothing of the checkout (no tsx, no node_modules) is on its path;
 * - the Python client: a wheel built from clients/python (`pip wheel`), installed with
 *   `[progress]` into an empty virtualenv, and imported from an empty folder.
 *
 * Both then call the registry the global setup started, signed with the local principals' keys.
 * Needs npm and python3 (with venv and pip, and PyPI for botocore, tqdm and hatchling); a missing
 * one fails the test, it is not skipped.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { principal, registry } from "./support.ts";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const PYTHON = process.env.REGISTRY_PYTHON ?? "python3";

function run(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    let stdout = "";
    let stderr = "";
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env });
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${options.timeoutMs / 1000} s]\n`;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      fail(new Error(`${command} could not start: ${error.message}`));
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

async function ok(command: string, args: string[], options: Parameters<typeof run>[2]) {
  const result = await run(command, args, options);
  expect(result.code, `${command} ${args.join(" ")} failed:\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
}

/** A clean environment: the keys of one local principal, and no path into the checkout. */
function userEnv(who: "publisher" | "reader", extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const { endpoint, region } = registry();
  const keys = principal(who);
  return {
    PATH: (process.env.PATH ?? "")
      .split(":")
      .filter((dir) => !dir.startsWith(ROOT))
      .join(":"),
    HOME: process.env.HOME,
    LANG: process.env.LANG ?? "C.UTF-8",
    TMPDIR: process.env.TMPDIR,
    REGISTRY_ENDPOINT: endpoint,
    AWS_REGION: region,
    // botocore reads AWS_DEFAULT_REGION (AWS_REGION only from 1.35 on).
    AWS_DEFAULT_REGION: region,
    AWS_ACCESS_KEY_ID: keys.accessKeyId,
    AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_EC2_METADATA_DISABLED: "true",
    NO_PROXY: "127.0.0.1,localhost",
    ...extra,
  };
}

const scratch: string[] = [];
const emptyFolder = (label: string) => {
  const dir = mkdtempSync(join(tmpdir(), `registry-${label}-`));
  scratch.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe("the CLI installed from its npm package", () => {
  it("npm pack gives a package whose registry binary runs outside the repository", async () => {
    const packs = emptyFolder("cli-pack");
    await ok("npm", ["pack", "--pack-destination", packs, "--silent"], {
      cwd: join(ROOT, "clients", "cli"),
      timeoutMs: 120_000,
    });
    const [tarball] = readdirSync(packs).filter((name) => name.endsWith(".tgz"));
    expect(tarball).toMatch(/^model-registry-cli-.*\.tgz$/);

    const user = emptyFolder("cli-user");
    writeFileSync(join(user, "package.json"), '{ "name": "a-user", "private": true }\n');
    await ok("npm", ["install", "--no-audit", "--no-fund", "--offline", join(packs, tarball as string)], {
      cwd: user,
      timeoutMs: 120_000,
    });
    // The package carries no dependencies: its folder is all there is.
    expect(readdirSync(join(user, "node_modules")).filter((name) => !name.startsWith("."))).toEqual([
      "model-registry-cli",
    ]);
    const bin = join(user, "node_modules", ".bin", "registry");

    const help = await ok(process.execPath, [bin, "--help"], {
      cwd: user,
      env: userEnv("reader"),
      timeoutMs: 30_000,
    });
    expect(help.stdout).toContain("registry versions abandon MODEL VERSION");

    const whoami = await ok(process.execPath, [bin, "whoami"], {
      cwd: user,
      env: userEnv("reader"),
      timeoutMs: 30_000,
    });
    expect(JSON.parse(whoami.stdout)).toEqual({
      arn: principal("reader").arn,
      account: "000000000000",
      roles: ["reader"],
    });

    const model = `installed-cli-${Date.now()}`;
    await ok(process.execPath, [bin, "models", "create", model], {
      cwd: user,
      env: userEnv("publisher"),
      timeoutMs: 30_000,
    });
    const listed = await ok(
      process.execPath,
      [bin, "models", "list", "--prefix", model, "--output", "table"],
      {
        cwd: user,
        env: userEnv("reader"),
        timeoutMs: 30_000,
      },
    );
    expect(listed.stdout.split("\n")[0]).toMatch(/^NAME\b/);
    expect(listed.stdout).toContain(model);
  }, 300_000);
});

describe("the Python client installed from a built wheel", () => {
  it("pip installs the wheel with [progress] into an empty virtualenv, and it signs calls from an empty folder", async () => {
    const wheels = emptyFolder("py-wheel");
    await ok(
      PYTHON,
      [
        "-m",
        "pip",
        "wheel",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "-w",
        wheels,
        join(ROOT, "clients", "python"),
      ],
      { cwd: wheels, timeoutMs: 240_000 },
    );
    const [wheel] = readdirSync(wheels).filter((name) => name.endsWith(".whl"));
    expect(wheel).toMatch(/^model_registry_client-.*-py3-none-any\.whl$/);

    const venv = emptyFolder("py-venv");
    await ok(PYTHON, ["-m", "venv", venv], { cwd: venv, timeoutMs: 120_000 });
    const python = join(venv, "bin", "python");
    await ok(
      python,
      [
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        `${join(wheels, wheel as string)}[progress]`,
      ],
      { cwd: venv, timeoutMs: 300_000 },
    );

    const user = emptyFolder("py-user");
    const script = [
      "import json, os, model_registry, tqdm",
      "r = model_registry.Registry(os.environ['REGISTRY_ENDPOINT'])",
      "print(json.dumps({'file': model_registry.__file__, 'me': r.whoami(), 'health': r.health()}))",
    ].join("\n");
    const result = await ok(python, ["-c", script], {
      cwd: user,
      env: userEnv("reader", { PYTHONDONTWRITEBYTECODE: "1" }),
      timeoutMs: 60_000,
    });
    const answer = JSON.parse(result.stdout);
    expect(answer.file.startsWith(venv)).toBe(true);
    expect(answer.me).toEqual({ arn: principal("reader").arn, account: "000000000000", roles: ["reader"] });
    expect(answer.health).toEqual({ status: "ok" });
  }, 600_000);
});
