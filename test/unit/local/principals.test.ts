import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseJavaMajorVersion } from "../../../local/java.ts";
import { LocalModeError } from "../../../local/local-mode-error.ts";
import { builtInPrincipals, loadLocalPrincipals } from "../../../local/principals.ts";

function principalsFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), "principals-")), "principals.json");
  writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

describe("local principals", () => {
  it("has publisher, approver, admin and reader with AWS-shaped, fixed credentials", () => {
    expect(builtInPrincipals.map((p) => p.name)).toEqual([
      "publisher",
      "approver",
      "governor",
      "admin",
      "reader",
    ]);
    for (const p of builtInPrincipals) {
      expect(p.accessKeyId).toMatch(/^AKIA[A-Z0-9]{16}$/);
      expect(p.secretAccessKey).toHaveLength(40);
      expect(p.arn).toBe(`arn:aws:iam::000000000000:user/${p.name}`);
      expect(p.role).toBe(p.name);
    }
    expect(builtInPrincipals[0]!.accessKeyId).toBe("AKIALOCALPUBLISHER01");
  });

  it("adds the principals of the REGISTRY_LOCAL_PRINCIPALS file", () => {
    const file = principalsFile([
      { name: "ci", role: "publisher", accessKeyId: "AKIALOCALCI000000001", secretAccessKey: "s".repeat(40) },
    ]);
    const all = loadLocalPrincipals({ REGISTRY_LOCAL_PRINCIPALS: file });
    expect(all.at(-1)).toMatchObject({
      name: "ci",
      role: "publisher",
      arn: "arn:aws:iam::000000000000:user/ci",
    });
    expect(all).toHaveLength(builtInPrincipals.length + 1);
  });

  it("requires each principal of the file to name a known role, and says which entry does not", () => {
    const entry = { name: "ci", accessKeyId: "AKIALOCALCI000000001", secretAccessKey: "s".repeat(40) };
    const missing = principalsFile([entry]);
    expect(() => loadLocalPrincipals({ REGISTRY_LOCAL_PRINCIPALS: missing })).toThrow(
      `${missing} entry 0 ("ci") needs "role" to be one of reader, publisher, approver, governor, admin (got undefined).`,
    );
    const unknown = principalsFile([{ ...entry, role: "owner" }]);
    expect(() => loadLocalPrincipals({ REGISTRY_LOCAL_PRINCIPALS: unknown })).toThrow(
      /entry 0 \("ci"\) needs "role" to be one of .* \(got "owner"\)/,
    );
  });

  it("rejects an unusable file with one sentence naming the problem", () => {
    const bad = principalsFile([{ name: "ci", accessKeyId: "AKIALOCALCI000000001" }]);
    expect(() => loadLocalPrincipals({ REGISTRY_LOCAL_PRINCIPALS: bad })).toThrow(LocalModeError);
    expect(() => loadLocalPrincipals({ REGISTRY_LOCAL_PRINCIPALS: bad })).toThrow(
      /entry 0 needs "secretAccessKey"/,
    );
    const duplicate = principalsFile([
      { name: "x", role: "reader", accessKeyId: "AKIALOCALPUBLISHER01", secretAccessKey: "s" },
    ]);
    expect(() => loadLocalPrincipals({ REGISTRY_LOCAL_PRINCIPALS: duplicate })).toThrow(
      /more than one local principal/,
    );
    expect(() => loadLocalPrincipals({ REGISTRY_LOCAL_PRINCIPALS: principalsFile("{oops") })).toThrow(
      /as JSON/,
    );
  });
});

describe("parseJavaMajorVersion", () => {
  it.each([
    ['openjdk version "17.0.15" 2025-04-15', 17],
    ['openjdk version "21" 2023-09-19', 21],
    ['java version "1.8.0_392"', 8],
    ["no version here", undefined],
  ])("reads %s as %s", (output, major) => {
    expect(parseJavaMajorVersion(output)).toBe(major);
  });
});
