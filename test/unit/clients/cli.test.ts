import { createHash } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../../clients/cli/run.ts";
import { capturedIo } from "../../support/captured-io.ts";
import { type FakeReply, fakeFetch, TEST_CREDENTIALS } from "./fake-fetch.ts";
import type { SentRequest } from "./sigv4-reference.ts";
import { temporaryDirectory } from "./temporary-directory.ts";

async function cli(argv: string[], reply?: (request: SentRequest, index: number) => FakeReply, stdin = "") {
  const recorder = fakeFetch(reply);
  const output = capturedIo(stdin);
  const code = await runCli(["--endpoint", "http://registry.test/v1", ...argv], {
    io: output.io,
    client: { credentials: TEST_CREDENTIALS, fetch: recorder.fetch },
  });
  const requests = recorder.requests;
  const bodyOf = (index = 0) => JSON.parse(requests[index]?.body ?? "null") as unknown;
  return { code, stdout: output.stdout, stderr: output.stderr, requests, bodyOf };
}

describe("registry CLI", () => {
  const dir = temporaryDirectory();

  it("prints the response as pretty JSON", async () => {
    const run = await cli(["models", "get", "fraud"], () => ({ body: { name: "fraud" } }));
    expect(run).toMatchObject({ code: 0, stdout: '{\n  "name": "fraud"\n}\n', stderr: "" });
    expect(run.requests[0]?.url.pathname).toBe("/v1/models/fraud");
  });

  it("models create sends the name, fields, tags and the idempotency key", async () => {
    const run = await cli([
      "models",
      "create",
      "fraud",
      "--description",
      "d",
      "--tag",
      "team=risk",
      "--tag",
      "a=b=c",
      "--idempotency-key",
      "k1",
    ]);
    expect(run.code).toBe(0);
    expect(run.bodyOf()).toEqual({ name: "fraud", description: "d", tags: { team: "risk", a: "b=c" } });
    expect(run.requests[0]?.headers["idempotency-key"]).toBe("k1");
  });

  it("models list passes the filters as query parameters", async () => {
    const run = await cli(["models", "list", "--prefix", "fr", "--tag", "team=risk", "--limit", "5"]);
    expect(run.requests[0]?.url.search).toBe("?prefix=fr&tag=team%3Drisk&limit=5");
  });

  it("--all follows nextToken and prints every item in the page's shape ({ items }, no nextToken)", async () => {
    const pages = [{ items: [{ version: 2 }], nextToken: "n1" }, { items: [{ version: 1 }] }];
    const run = await cli(["versions", "list", "fraud", "--all", "--stage", "staging"], (_, index) => ({
      body: pages[index],
    }));
    expect(JSON.parse(run.stdout)).toEqual({ items: [{ version: 2 }, { version: 1 }] });
    expect(run.requests.map((request) => request.url.search)).toEqual([
      "?stage=staging",
      "?stage=staging&nextToken=n1",
    ]);
  });

  it("--next-token prints the page a listing's nextToken names, on every list command", async () => {
    const lists = [
      ["models", "list"],
      ["versions", "list", "fraud"],
      ["history", "fraud"],
      ["transitions", "list", "fraud"],
      ["approvals", "list"],
    ];
    for (const words of lists) {
      const run = await cli([...words, "--limit", "1", "--next-token", "t/2+="], () => ({
        body: { items: [{ n: 2 }], nextToken: "t3" },
      }));
      expect(run.code, words.join(" ")).toBe(0);
      expect(run.requests[0]?.url.searchParams.get("nextToken"), words.join(" ")).toBe("t/2+=");
      expect(JSON.parse(run.stdout)).toEqual({ items: [{ n: 2 }], nextToken: "t3" });
    }
  });

  it("--next-token with --all prints every item from that page on", async () => {
    const pages = [{ items: [{ version: 2 }], nextToken: "n2" }, { items: [{ version: 1 }] }];
    const run = await cli(["versions", "list", "fraud", "--all", "--next-token", "n1"], (_, index) => ({
      body: pages[index],
    }));
    expect(JSON.parse(run.stdout)).toEqual({ items: [{ version: 2 }, { version: 1 }] });
    expect(run.requests.map((request) => request.url.search)).toEqual(["?nextToken=n1", "?nextToken=n2"]);
  });

  it("refuses an empty --next-token", async () => {
    const run = await cli(["models", "list", "--next-token", " "]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--next-token: empty");
    expect(run.requests).toHaveLength(0);
  });

  it("versions create --no-upload merges --file with metric, param, tag and artifact flags", async () => {
    const file = join(dir(), "version.json");
    const sha = "c".repeat(64);
    await writeFile(
      file,
      JSON.stringify({
        description: "from file",
        metrics: { loss: 0.1 },
        lineage: { runId: "r1" },
        artifacts: [],
      }),
    );
    const model = join(dir(), "model.onnx");
    await writeFile(model, "weights");
    const run = await cli([
      "versions",
      "create",
      "fraud",
      "--file",
      file,
      "--metric",
      "auc=0.91",
      "--param",
      "lr=0.01",
      "--framework",
      "pytorch",
      "--artifact",
      `path=config.json,size=12,sha256=${sha}`,
      "--artifact-file",
      model,
      "--no-upload",
    ]);
    expect(run.code).toBe(0);
    expect(run.requests).toHaveLength(1);
    expect(run.bodyOf()).toEqual({
      description: "from file",
      metrics: { loss: 0.1, auc: 0.91 },
      params: { lr: "0.01" },
      lineage: { runId: "r1" },
      framework: "pytorch",
      artifacts: [
        { path: "config.json", size: 12, sha256: sha },
        { path: "model.onnx", size: 7, sha256: createHash("sha256").update("weights").digest("hex") },
      ],
    });
  });

  it("models create and models policy set send the promotion policy of --policy-file (a file, or - for stdin)", async () => {
    const policy = { approvals: { production: { required: 2 } } };
    const created = await cli(
      ["models", "create", "fraud", "--policy-file", "-"],
      undefined,
      JSON.stringify(policy),
    );
    expect(created.bodyOf()).toEqual({ name: "fraud", policy });
    const file = join(dir(), "policy.json");
    await writeFile(file, JSON.stringify({ demoteProductionTo: "staging" }));
    const updated = await cli(["models", "policy", "set", "fraud", "--policy-file", file]);
    expect(updated.requests[0]?.method).toBe("PUT");
    expect(String(updated.requests[0]?.url)).toMatch(/\/models\/fraud\/policy$/);
    expect(updated.bodyOf()).toEqual({ demoteProductionTo: "staging" });
    // A PATCH of the model carries no policy: the CLI refuses the flag there.
    expect((await cli(["models", "update", "fraud", "--policy-file", file])).code).toBe(2);
    const broken = await cli(["models", "create", "fraud", "--policy-file", "-"], undefined, "[1]");
    expect(broken).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--policy-file -: expected a JSON object"),
    });
  });

  it("versions create reads the body from stdin with --file -", async () => {
    const run = await cli(["versions", "create", "fraud", "--file", "-"], undefined, '{"format":"onnx"}');
    expect(run.bodyOf()).toEqual({ format: "onnx" });
  });

  it("versions update reads the model card from a file", async () => {
    const card = join(dir(), "card.md");
    await writeFile(card, "# Fraud\n");
    const run = await cli(["versions", "update", "fraud", "3", "--model-card", card, "--if-match", "e1"]);
    expect(run.requests[0]).toMatchObject({ method: "PATCH", headers: { "if-match": "e1" } });
    expect(run.requests[0]?.url.pathname).toBe("/v1/models/fraud/versions/3");
    expect(run.bodyOf()).toEqual({ modelCard: "# Fraud\n" });
  });

  it("versions update sends --file as the PATCH body, each flag replacing its field", async () => {
    const patch = join(dir(), "patch.json");
    const signature = { inputs: [{ name: "x", type: "float32", shape: [-1, 4] }], outputs: [] };
    await writeFile(patch, JSON.stringify({ signature, format: "pickle", tags: { a: "1" } }));
    const run = await cli([
      "versions",
      "update",
      "fraud",
      "3",
      "--file",
      patch,
      "--format",
      "onnx",
      "--tag",
      "b=2",
    ]);
    expect(run.code).toBe(0);
    expect(run.bodyOf()).toEqual({ signature, format: "onnx", tags: { b: "2" } });
  });

  it("versions update reads lineage from stdin with --file -, and refuses two readers of stdin", async () => {
    const lineage = { gitCommit: "4f1c2e9a", datasets: [{ name: "d", uri: "s3://b/d/" }] };
    const run = await cli(
      ["versions", "update", "fraud", "3", "--file", "-"],
      undefined,
      JSON.stringify({ lineage }),
    );
    expect(run.bodyOf()).toEqual({ lineage });
    const both = await cli(["versions", "update", "fraud", "3", "--file", "-", "--model-card", "-"]);
    expect(both).toMatchObject({ code: 2, requests: [] });
    expect(both.stderr).toContain("only one of --file and --model-card can read standard input");
  });

  it("versions update with nothing to change names what it takes and sends nothing", async () => {
    const run = await cli(["versions", "update", "fraud", "3"]);
    expect(run).toMatchObject({ code: 2, requests: [] });
    expect(run.stderr).toContain(
      "give at least one of --file, --description, --tag, --model-card, --framework, --format",
    );
  });

  it("aliases set sends the version as a number", async () => {
    const run = await cli(["aliases", "set", "fraud", "champion", "7"]);
    expect(run.requests[0]).toMatchObject({ method: "PUT", body: '{"version":7}' });
  });

  it("deletes print a confirmation", async () => {
    const run = await cli(["aliases", "delete", "fraud", "canary"], () => ({ status: 204 }));
    expect(JSON.parse(run.stdout)).toEqual({ model: "fraud", alias: "canary", deleted: true });
  });

  it("an HTTP error prints the error body on stderr and exits 1", async () => {
    const error = { error: { code: "ModelNotFound", message: "model 'x' does not exist", requestId: "r" } };
    const run = await cli(["history", "x"], () => ({ status: 404, body: error }));
    expect(run).toMatchObject({ code: 1, stdout: "" });
    expect(JSON.parse(run.stderr)).toEqual(error);
  });

  it.each([
    [["versions", "create", "fraud", "--metric", "auc=x"], /--metric "auc=x": "x" is not a number/],
    [["models", "get"], /expects NAME/],
    [["models", "list", "--stage", "production"], /--stage: not an option of "registry models list"/],
    [["models", "get", "x", "--idempotency-key", "k"], /--idempotency-key applies to the create commands/],
    [["models", "update", "x"], /give at least one of/],
    [["aliases", "get", "fraud", ".."], /ALIAS must not be/],
    [["models", "frobnicate"], /unknown command "models frobnicate"/],
    [["models", "list", "--tag", "a=1", "--tag", "b=2"], /give it once/],
    [[], /missing command/],
  ])("usage error %j exits 2 without a request", async (argv, message) => {
    const run = await cli(argv);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).toContain("Usage:");
    expect(run.requests).toHaveLength(0);
  });

  it("--help prints the usage on stdout", async () => {
    const run = await cli(["versions", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("registry versions create MODEL");
    expect(run.stdout).not.toContain("registry models list");
  });
});
