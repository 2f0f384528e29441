/** `--output table`, `whoami`, and the shape of `--all` (issue 20, part 3 and part 2 item 6). */
import { describe, expect, it } from "vitest";
import { runCli } from "../../../clients/cli/run.ts";
import { table } from "../../../clients/cli/table.ts";
import { capturedIo } from "../../support/captured-io.ts";
import { type FakeReply, fakeFetch, TEST_CREDENTIALS } from "./fake-fetch.ts";
import type { SentRequest } from "./sigv4-reference.ts";

async function cli(argv: string[], reply?: (request: SentRequest, index: number) => FakeReply) {
  const recorder = fakeFetch(reply);
  const output = capturedIo();
  const code = await runCli(["--endpoint", "http://registry.test", ...argv], {
    io: output.io,
    client: { credentials: TEST_CREDENTIALS, fetch: recorder.fetch },
  });
  return { code, stdout: output.stdout, stderr: output.stderr, requests: recorder.requests };
}

describe("--output table", () => {
  it("prints a list as one row per item, with a column per plain field, and the next page's flag", async () => {
    const page = {
      items: [
        { name: "fraud", owner: "risk", tags: { team: "risk" }, latestVersion: 7 },
        { name: "churn", owner: null, aliases: ["champion", "shadow"], latestVersion: 12 },
      ],
      nextToken: "t2",
    };
    const run = await cli(["models", "list", "--output", "table"], () => ({ body: page }));
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        "NAME   OWNER  LATESTVERSION  ALIASES",
        "fraud  risk   7              -",
        "churn  -      12             champion, shadow",
        "next page: --next-token t2",
        "",
      ].join("\n"),
    );
  });

  it("prints one object as field and value rows; -o json (the default) stays JSON", async () => {
    const version = {
      model: "fraud",
      version: 7,
      status: "READY",
      artifacts: [{ path: "m" }],
      metrics: { auc: 1 },
    };
    const run = await cli(["versions", "get", "fraud", "7", "-o", "table"], () => ({ body: version }));
    expect(run.stdout).toBe(
      [
        "FIELD      VALUE",
        "model      fraud",
        "version    7",
        "status     READY",
        "artifacts  [1]",
        "metrics    {1 fields}",
        "",
      ].join("\n"),
    );
    const asJson = await cli(["versions", "get", "fraud", "7", "-o", "json"], () => ({ body: version }));
    expect(JSON.parse(asJson.stdout)).toEqual(version);
  });

  it("refuses another format as a usage error, before any request", async () => {
    const run = await cli(["models", "list", "--output", "yaml"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--output: "yaml" is not json or table');
    expect(run.requests).toHaveLength(0);
  });

  it("says (none) for an empty list", () => {
    expect(table({ items: [] })).toBe("(none)\n");
  });
});

describe("registry whoami", () => {
  it("GETs /whoami and prints the caller", async () => {
    const caller = {
      arn: "arn:aws:iam::000000000000:user/publisher",
      account: "000000000000",
      roles: ["publisher"],
    };
    const run = await cli(["whoami"], () => ({ body: caller }));
    expect(run.code).toBe(0);
    expect(run.requests.map((r) => `${r.method} ${r.url.pathname}`)).toEqual(["GET /whoami"]);
    expect(JSON.parse(run.stdout)).toEqual(caller);
  });
});

describe("versions and stages on the command line", () => {
  it("versions list --stage checks the stage before sending", async () => {
    const run = await cli(["versions", "list", "fraud", "--stage", "prod"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      '--stage: "prod" is not a stage (stages: development, staging, production, archived)',
    );
    expect(run.requests).toHaveLength(0);
  });

  it("versions get takes an alias (resolved once) and a stage, as download does", async () => {
    const byAlias = await cli(["versions", "get", "fraud", "champion"], (request) => ({
      body: request.url.pathname.includes("/aliases/") ? { alias: "champion", version: 7 } : { version: 7 },
    }));
    expect(byAlias.code).toBe(0);
    expect(byAlias.requests.map((r) => r.url.pathname)).toEqual([
      "/models/fraud/aliases/champion",
      "/models/fraud/versions/7",
    ]);
    const byStage = await cli(["versions", "get", "fraud", "production"], (request) => ({
      body: request.url.search ? { items: [{ version: 5 }] } : { version: 5 },
    }));
    expect(byStage.code).toBe(0);
    expect(byStage.requests.map((r) => `${r.url.pathname}${r.url.search}`)).toEqual([
      "/models/fraud/versions?stage=production&limit=1",
      "/models/fraud/versions/5",
    ]);
    const empty = await cli(["versions", "get", "fraud", "production"], () => ({ body: { items: [] } }));
    expect(empty.stderr).toContain("no version of 'fraud' is in production");
  });
});
