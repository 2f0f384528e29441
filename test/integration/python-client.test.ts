/**
 * The Python client (`clients/python`) against the registry the global setup started: creates a
 * virtualenv once (cached, reinstalled only when `pyproject.toml` changes), then runs its pytest
 * suite with the endpoint and the local principals' keys (publisher, reader, approver, admin) in
 * the environment.
 *
 * The virtualenv lives in `node_modules/.cache/registry-python-venv/<checkout>` (git-ignored),
 * or in `REGISTRY_PYTHON_VENV` when set; the client's third-party dependencies in
 * `~/.cache/model-registry/python-deps-<hash>`, shared by checkouts. A missing `python3` fails the
 * test: it is not skipped.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { principal, registry } from "./support.ts";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const PACKAGE = join(ROOT, "clients", "python");
const PYTHON = process.env.REGISTRY_PYTHON ?? "python3";
const STAMP_FILE = ".registry-client-stamp";

interface RunResult {
  code: number | null;
  output: string;
  error?: NodeJS.ErrnoException;
}

/** Runs a command to its end (or `timeoutMs`), answering its exit code and interleaved output. */
function run(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs: number }) {
  return new Promise<RunResult>((done) => {
    let output = "";
    const child = spawn(command, args, { cwd: ROOT, env: options.env ?? process.env });
    const timer = setTimeout(() => {
      output += `\n[killed after ${options.timeoutMs / 1000} s]\n`;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      done({ code: null, output, error });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

/** Where the virtualenv of this checkout lives (one per checkout: node_modules may be shared). */
function venvDirectory(): string {
  if (process.env.REGISTRY_PYTHON_VENV) return resolve(process.env.REGISTRY_PYTHON_VENV);
  const checkout = createHash("sha256").update(PACKAGE).digest("hex").slice(0, 12);
  return join(ROOT, "node_modules", ".cache", "registry-python-venv", checkout);
}

const venvPython = (venv: string) =>
  process.platform === "win32" ? join(venv, "Scripts", "python.exe") : join(venv, "bin", "python");

/**
 * The `mlflow` client the MLflow-compatible routes are tested with (`tests/test_mlflow.py`), pinned.
 * `mlflow-skinny` is MLflow's client without its server, UI and ML libraries: the same
 * `MlflowClient` code, a third of the full package's install time here (62 s against 172 s).
 * `requests-auth-aws-sigv4` is what MLflow's built-in `MLFLOW_TRACKING_AWS_SIGV4` signs with: the
 * tests show which requests it gets refused.
 */
const MLFLOW_REQUIREMENTS = ["mlflow-skinny==3.18.0", "requests-auth-aws-sigv4==0.7"];

/**
 * The client's third-party dependencies (botocore, tqdm, the pinned mlflow client, pytest),
 * installed once per `pyproject.toml`, pins and Python into a folder of the user's cache that
 * outlives `npm ci` and is shared by every checkout (a fresh clone, CI's included, then spends
 * seconds here, not minutes). Built in a temporary folder and renamed into place, so a folder
 * that exists is complete; the client itself is not in it.
 */
async function ensureDependencies(pythonVersion: string): Promise<string> {
  const stamp = createHash("sha256")
    .update(readFileSync(join(PACKAGE, "pyproject.toml")))
    .update(`\n${pythonVersion}\n${MLFLOW_REQUIREMENTS.join(" ")}\npytest`)
    .digest("hex")
    .slice(0, 16);
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  const folder = join(cache, "model-registry", `python-deps-${stamp}`);
  if (existsSync(folder)) return folder;
  mkdirSync(dirname(folder), { recursive: true });
  const building = `${folder}.${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  const args = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", building];
  // mlflow-skinny and its dependencies: about a minute unloaded, several on a busy 2-core machine.
  const result = await run(
    PYTHON,
    [...args, `${PACKAGE}[progress,mlflow]`, ...MLFLOW_REQUIREMENTS, "pytest"],
    {
      timeoutMs: 600_000,
    },
  );
  if (result.code !== 0) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(
      `could not install the Python client's dependencies (${args.join(" ")}): exit ${result.code}\n${result.output}`,
    );
  }
  // The client comes from the checkout (editable), never from this shared folder.
  for (const entry of readdirSync(building)) {
    if (entry === "model_registry" || /^model_registry-.*\.dist-info$/.test(entry)) {
      rmSync(join(building, entry), { recursive: true, force: true });
    }
  }
  try {
    renameSync(building, folder);
  } catch {
    // Another run installed it meanwhile.
    rmSync(building, { recursive: true, force: true });
  }
  return folder;
}

/**
 * Creates the checkout's virtualenv: the shared dependencies (`ensureDependencies`) on its path
 * through a `.pth` file, and the client installed editable without dependencies, unless it already
 * holds them for the same dependencies and checkout. Answers its python.
 */
async function ensureVenv(): Promise<{ python: string; installed: boolean; seconds: number }> {
  const started = Date.now();
  const version = await run(PYTHON, ["--version"], { timeoutMs: 30_000 });
  if (version.error?.code === "ENOENT" || version.code !== 0) {
    throw new Error(
      `the Python client tests need '${PYTHON}' (Python 3.9+ with venv and pip) on PATH, or REGISTRY_PYTHON ` +
        `naming one: ${version.error?.message ?? version.output.trim()}`,
    );
  }
  const dependencies = await ensureDependencies(version.output.trim());
  const venv = venvDirectory();
  const python = venvPython(venv);
  const stamp = `${dependencies}\n${PACKAGE}\n`;
  const stampPath = join(venv, STAMP_FILE);
  if (existsSync(python) && existsSync(stampPath) && readFileSync(stampPath, "utf8") === stamp) {
    const check = await run(
      python,
      ["-c", "import model_registry, pytest, tqdm, mlflow, requests_auth_aws_sigv4"],
      { timeoutMs: 30_000 },
    );
    if (check.code === 0) return { python, installed: false, seconds: (Date.now() - started) / 1000 };
  }
  rmSync(venv, { recursive: true, force: true });
  const created = await run(PYTHON, ["-m", "venv", venv], { timeoutMs: 120_000 });
  if (created.code !== 0)
    throw new Error(`could not create the Python virtualenv ${venv}: ${created.output}`);
  const sitePackages = await run(
    python,
    ["-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
    {
      timeoutMs: 30_000,
    },
  );
  writeFileSync(join(sitePackages.output.trim(), "registry-test-dependencies.pth"), `${dependencies}\n`);
  const args = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "-e", PACKAGE];
  const result = await run(python, args, { timeoutMs: 300_000 });
  if (result.code !== 0) {
    throw new Error(
      `could not install the Python client (${args.join(" ")}): exit ${result.code}\n${result.output}`,
    );
  }
  writeFileSync(stampPath, stamp);
  return { python, installed: true, seconds: (Date.now() - started) / 1000 };
}

/** Fewer tests than this in the report means some were not collected: the suite has 41 (6 of them MLflow's). */
const MIN_PYTEST_TESTS = 41;

/** The totals of pytest's JUnit XML report (its one `<testsuite>` element's attributes). */
function junitCounts(xml: string): { tests: number; skipped: number; failures: number; errors: number } {
  const suite = /<testsuite\b([^>]*)>/.exec(xml)?.[1];
  if (suite === undefined)
    throw new Error(`the pytest report has no testsuite element: ${xml.slice(0, 300)}`);
  const attribute = (name: string) => {
    const value = new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1];
    if (value === undefined) throw new Error(`the pytest report's testsuite has no ${name}: ${suite}`);
    return Number(value);
  };
  return {
    tests: attribute("tests"),
    skipped: attribute("skipped"),
    failures: attribute("failures"),
    errors: attribute("errors"),
  };
}

describe("the Python client (clients/python)", () => {
  let python = "";

  beforeAll(async () => {
    const venv = await ensureVenv();
    python = venv.python;
    console.info(
      `python venv ${venv.installed ? "created and installed" : "reused"} in ${venv.seconds.toFixed(1)} s (${python})`,
    );
  }, 900_000);

  it("passes its pytest suite against the local registry", async () => {
    const { endpoint, region, multipartThresholdBytes } = registry();
    const publisher = principal("publisher");
    const reader = principal("reader");
    const approver = principal("approver");
    const admin = principal("admin");
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: process.env.LANG ?? "C.UTF-8",
      TMPDIR: process.env.TMPDIR,
      REGISTRY_ENDPOINT: endpoint,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: publisher.accessKeyId,
      AWS_SECRET_ACCESS_KEY: publisher.secretAccessKey,
      REGISTRY_READER_ACCESS_KEY_ID: reader.accessKeyId,
      REGISTRY_READER_SECRET_ACCESS_KEY: reader.secretAccessKey,
      REGISTRY_APPROVER_ACCESS_KEY_ID: approver.accessKeyId,
      REGISTRY_APPROVER_SECRET_ACCESS_KEY: approver.secretAccessKey,
      REGISTRY_ADMIN_ACCESS_KEY_ID: admin.accessKeyId,
      REGISTRY_ADMIN_SECRET_ACCESS_KEY: admin.secretAccessKey,
      REGISTRY_MULTIPART_THRESHOLD_BYTES: String(multipartThresholdBytes),
      // No shared config, profile or metadata lookups: only the keys above sign.
      AWS_CONFIG_FILE: "/dev/null",
      AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
      AWS_EC2_METADATA_DISABLED: "true",
      // Nothing written into the checkout (no __pycache__, no .pytest_cache).
      PYTHONDONTWRITEBYTECODE: "1",
      NO_PROXY: "127.0.0.1,localhost",
    };
    const started = Date.now();
    const report = join(mkdtempSync(join(tmpdir(), "registry-pytest-")), "junit.xml");
    const result = await run(
      python,
      [
        "-m",
        "pytest",
        "clients/python/tests",
        "-q",
        "-p",
        "no:cacheprovider",
        "-rfEs",
        "-s",
        // Every test must run: a skipped one fails the run (conftest.py), and the report says which.
        "--fail-on-skip",
        `--junitxml=${report}`,
      ],
      // Uploads of a few tens of MiB, and the lifecycle tests' waits for the workflow (30 s at most each).
      { env, timeoutMs: 400_000 },
    );
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const summary = result.output.trim().split("\n").slice(-3).join("\n");
    console.info(`pytest took ${seconds} s:\n${summary}`);
    expect(result.code, `pytest failed (exit ${result.code}):\n${result.output}`).toBe(0);
    // The exit code alone is not the verdict: the report must show tests that ran, none skipped.
    const counts = junitCounts(readFileSync(report, "utf8"));
    rmSync(dirname(report), { recursive: true, force: true });
    expect(counts, result.output).toMatchObject({ skipped: 0, failures: 0, errors: 0 });
    expect(counts.tests, result.output).toBeGreaterThanOrEqual(MIN_PYTEST_TESTS);
  }, 420_000);

  it("reads pytest's JUnit report: a skipped test counts", () => {
    expect(
      junitCounts(
        '<?xml version="1.0"?><testsuites><testsuite name="pytest" errors="0" failures="0" skipped="2" tests="9" time="1.0"></testsuite></testsuites>',
      ),
    ).toEqual({ tests: 9, skipped: 2, failures: 0, errors: 0 });
    expect(() => junitCounts("<testsuites></testsuites>")).toThrow(/no testsuite/);
  });
});
