import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorStatus } from "#http/errors.ts";
import { type AnsweredBy, errorRows, formatErrorTable } from "../../../scripts/docs-errors.ts";

const source = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), "utf8");
const rows = errorRows();
const row = (code: string) => rows.find((r) => r.code === code);

/** What the local gateway answers itself: `new GatewayError(<status>, "<code>"` and the SigV4 verdicts. */
function localGatewayCodes(): Map<string, number> {
  const gateway = source("local/gateway.ts");
  const codes = new Map<string, number>();
  for (const [, status, code] of gateway.matchAll(/new GatewayError\(\s*(\d{3}),\s*"(\w+)"/g)) {
    codes.set(code!, Number(status));
  }
  expect(gateway).toContain("new GatewayError(403, verdict.code, verdict.message)");
  const union = /export type SigV4FailureCode =([^;]+);/.exec(source("local/sigv4-verify.ts"))?.[1] ?? "";
  for (const [, code] of union.matchAll(/"(\w+)"/g)) codes.set(code!, 403);
  return codes;
}

/** The codes API Gateway's own answers carry (`gatewayErrorCodes` in lib/registry-api.ts). */
function apiGatewayCodes(): Set<string> {
  const api = source("lib/registry-api.ts");
  return new Set([...api.matchAll(/\[ResponseType\.\w+, "(\w+)"\]/g)].map(([, code]) => code!));
}

describe("the README's error table", () => {
  it("lists every code of functions/http/errors.ts once, with its status", () => {
    for (const [code, status] of Object.entries(errorStatus)) {
      expect(row(code), code).toMatchObject({ status });
    }
    expect(new Set(rows.map((r) => r.code)).size).toBe(rows.length);
  });

  it("gives every code a meaning, in a row that keeps the table's shape", () => {
    for (const r of rows) {
      expect(r.meaning.length, r.code).toBeGreaterThan(10);
      expect(r.meaning, r.code).not.toContain("|");
    }
    expect(formatErrorTable().split("\n")).toHaveLength(rows.length + 2);
  });

  it("lists every code the local gateway answers, with its status, as a gateway's", () => {
    const local = localGatewayCodes();
    expect([...local.keys()]).toEqual(
      expect.arrayContaining(["AccessDenied", "NotFound", "SignatureDoesNotMatch"]),
    );
    for (const [code, status] of local) {
      expect(row(code), code).toMatchObject({ status });
      const by: AnsweredBy[] = code === "InternalError" ? ["registry"] : ["gateway", "local only"];
      expect(by, code).toContain(row(code)!.by);
    }
    for (const r of rows.filter((r) => r.by === "local only" || r.by === "gateway")) {
      expect(local.has(r.code), `${r.code} is marked ${r.by}, but local/gateway.ts never answers it`).toBe(
        true,
      );
    }
  });

  it("lists every code API Gateway's own answers carry (lib/registry-api.ts), as AWS's", () => {
    const aws = apiGatewayCodes();
    expect([...aws]).toEqual(expect.arrayContaining(["AccessDenied", "TooManyRequests", "RequestRejected"]));
    for (const code of aws) {
      expect(["gateway", "AWS only", "registry"], code).toContain(row(code)?.by);
    }
    for (const r of rows.filter((r) => r.by === "AWS only" || r.by === "gateway")) {
      expect(
        aws.has(r.code),
        `${r.code} is marked ${r.by}, but lib/registry-api.ts maps no answer to it`,
      ).toBe(true);
    }
  });
});
