/**
 * A 400 from the server names request fields (`body.tags.team`); when the CLI set that field from
 * a flag, its message names the flag (`--tag (team)`) instead. The 400s here are the server's
 * own: the sent request is validated with the operation's schema and mapped to an error body by
 * the same code the handlers use, so the field names are the ones the server really writes.
 */

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type * as z from "zod/mini";
import { parseInput } from "#core/validation.ts";
import { toErrorResponse } from "#http/errors.ts";
import { type DeferredBody, isDeferred } from "#http/operations/spec.ts";
import { operations } from "#http/operations.ts";
import { FLAG_FIELDS } from "../../../clients/cli/args.ts";
import { runCli } from "../../../clients/cli/run.ts";
import { capturedIo } from "../../support/captured-io.ts";
import { fakeFetch, TEST_CREDENTIALS } from "./fake-fetch.ts";
import { temporaryDirectory } from "./temporary-directory.ts";

type OperationId = keyof typeof operations;

/** Answers the request as the server would: 400 with the schema's issues, or 200. */
async function serverValidating(operationId: OperationId) {
  const spec = operations[operationId] as { body?: z.ZodMiniType | DeferredBody; query?: z.ZodMiniType };
  // A create's body schema is loaded on first use (as the handler does).
  const body = spec.body && isDeferred(spec.body) ? await spec.body.load() : spec.body;
  return fakeFetch((request) => {
    try {
      if (spec.query) parseInput(spec.query, Object.fromEntries(request.url.searchParams), "query");
      if (body) parseInput(body, JSON.parse(request.body ?? "null"), "body");
      return { body: { items: [] } };
    } catch (error) {
      const { status, body } = toErrorResponse(error, "req-1");
      return { status, body };
    }
  });
}

async function cli(operationId: OperationId, argv: string[]) {
  const recorder = await serverValidating(operationId);
  const output = capturedIo("");
  const code = await runCli(["--endpoint", "http://registry.test", ...argv], {
    io: output.io,
    client: { credentials: TEST_CREDENTIALS, fetch: recorder.fetch },
  });
  const error = output.stderr
    ? (JSON.parse(output.stderr) as { error: Record<string, unknown> }).error
    : undefined;
  return { code, error, requests: recorder.requests };
}

const shapeOf = (schema: unknown) =>
  Object.keys((schema as { _zod?: { def?: { shape?: object } } } | undefined)?._zod?.def?.shape ?? {});

describe("CLI errors speak in flags", () => {
  const dir = temporaryDirectory();

  it("names --tag and the key for a tag the server refuses, keeping the request's field beside it", async () => {
    const run = await cli("createModel", ["models", "create", "fraud", "--tag", `team=${"x".repeat(300)}`]);
    expect(run.code).toBe(1);
    expect(run.error?.code).toBe("ValidationError");
    expect(run.error?.message).toMatch(/^--tag \(team\): /);
    expect(run.error?.issues).toEqual([
      expect.objectContaining({ flag: "--tag (team)", field: "body.tags.team" }),
    ]);
  });

  it("names the --artifact or --artifact-file behind the n-th artifact the server refuses", async () => {
    const good = join(dir(), "model.onnx");
    await writeFile(good, "w");
    const spec = (path: string) => `path=${path},size=2,sha256=${"a".repeat(64)}`;
    // The body's artifacts: the --artifact specs in order (config.json, the bad one), then the files.
    const run = await cli("createVersion", [
      "versions",
      "create",
      "fraud",
      "--no-upload",
      "--artifact",
      spec("config.json"),
      "--artifact-file",
      good,
      "--artifact",
      spec("../escape"),
    ]);
    expect(run.code).toBe(1);
    const issue = ((run.error?.issues ?? []) as { field: string; flag?: string }[])[0]!;
    expect(issue.field).toMatch(/^body\.artifacts\.1\b/);
    expect(issue.flag).toMatch(/^--artifact path=\.\.\/escape,size=2,sha256=a{64}/);
    expect(run.error?.message).toMatch(/^--artifact path=\.\.\/escape/);
  });

  it("names the file of an --artifact-file whose declared path the server refuses", async () => {
    const odd = join(dir(), "weights\u0001.bin");
    await writeFile(odd, "w");
    const run = await cli("createVersion", [
      "versions",
      "create",
      "fraud",
      "--no-upload",
      "--artifact-file",
      odd,
    ]);
    expect(run.code).toBe(1);
    const issue = ((run.error?.issues ?? []) as { field: string; flag?: string }[])[0]!;
    expect(issue.field).toMatch(/^body\.artifacts\.0\b/);
    expect(issue.flag).toBe(
      `--artifact-file ${odd}${issue.field === "body.artifacts.0" ? "" : ` (${issue.field.slice("body.artifacts.0.".length)})`}`,
    );
  });

  it("names --owner for a query parameter the server refuses", async () => {
    const run = await cli("listModels", ["models", "list", "--owner", "x".repeat(1000)]);
    expect(run.code).toBe(1);
    expect(run.error?.message).toMatch(/^--owner: /);
  });

  it("leaves a field no flag set as the server named it (it came from --file)", async () => {
    const file = join(dir(), "version.json");
    await writeFile(file, JSON.stringify({ description: "x".repeat(5000) }));
    const run = await cli("createVersion", [
      "versions",
      "create",
      "fraud",
      "--file",
      file,
      "--tag",
      "team=risk",
    ]);
    expect(run.code).toBe(1);
    expect(run.error?.message).toMatch(/^body\.description: /);
    expect(((run.error?.issues ?? []) as { flag?: string }[])[0]?.flag).toBeUndefined();
  });

  it("maps only fields the server has: every body and query field in FLAG_FIELDS is one some operation takes", () => {
    const fields = new Set(
      Object.values(operations).flatMap((spec) => {
        const { body, query } = spec as { body?: unknown; query?: unknown };
        return [...shapeOf(body).map((k) => `body.${k}`), ...shapeOf(query).map((k) => `query.${k}`)];
      }),
    );
    const mapped = Object.values(FLAG_FIELDS)
      .flat()
      .filter((field) => /^(body|query)\.\w+$/.test(field));
    expect(mapped.length).toBeGreaterThan(10);
    for (const field of mapped) expect(fields, field).toContain(field);
  });
});
