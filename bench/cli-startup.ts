/**
 * How long `registry --help` takes to answer: the built bundle (what `npm pack` in clients/cli
 * ships, and what clients/cli/bin.mjs runs in a checkout once built) against the TypeScript
 * sources loaded through tsx (what every call cost before). Measured with hyperfine (Debian's
 * `apt-get install hyperfine`), which runs each command `--runs` times after warm-ups.
 *
 *   npm run bench:cli              (writes bench/results/cli-startup-latest.json, prints it)
 *
 * The JSON carries the machine it was measured on (CPU model, cores, load average before and
 * after): start-up figures without their machine mean little, and this machine is often shared.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 30);
const node = process.execPath;

execFileSync(node, ["clients/cli/build.mjs"], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });

const commands: Record<string, string> = {
  bundle: `${node} clients/cli/dist/registry.mjs --help`,
  "bin.mjs (checkout, built)": `${node} clients/cli/bin.mjs --help`,
  "tsx (sources)": `${node} --import tsx clients/cli/main.ts --help`,
  "node (nothing)": `${node} -e 0`,
};

const loadBefore = loadavg();
const dir = mkdtempSync(join(tmpdir(), "bench-cli-"));
const out = join(dir, "hyperfine.json");
const args = ["--warmup", "3", "--runs", String(runs), "--style", "none", "--export-json", out];
for (const [name, command] of Object.entries(commands)) args.push("--command-name", name, command);
execFileSync("hyperfine", args, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
const measured = JSON.parse(readFileSync(out, "utf8")) as {
  results: {
    command: string;
    mean: number;
    stddev: number;
    median: number;
    min: number;
    max: number;
    user: number;
    system: number;
  }[];
};
rmSync(dir, { recursive: true, force: true });

const ms = (seconds: number) => Math.round(seconds * 10_000) / 10;
const report = {
  what: "registry --help: wall time per process start, and its CPU time (hyperfine)",
  command: "npm run bench:cli",
  measuredAt: new Date().toISOString(),
  machine: {
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    loadAverageBefore: loadBefore.map((l) => Math.round(l * 100) / 100),
    loadAverageAfter: loadavg().map((l) => Math.round(l * 100) / 100),
    node: process.version,
    hyperfine: execFileSync("hyperfine", ["--version"]).toString().trim(),
  },
  runs,
  results: Object.fromEntries(
    measured.results.map((r) => [
      r.command,
      {
        meanMs: ms(r.mean),
        medianMs: ms(r.median),
        stddevMs: ms(r.stddev),
        minMs: ms(r.min),
        maxMs: ms(r.max),
        // CPU time of the process (user + system): what a start costs, whatever else runs.
        cpuMs: ms(r.user + r.system),
      },
    ]),
  ),
};
const text = `${JSON.stringify(report, null, 2)}\n`;
writeFileSync(join(root, "bench", "results", "cli-startup-latest.json"), text);
process.stdout.write(text);
