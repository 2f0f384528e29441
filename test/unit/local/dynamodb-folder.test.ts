/**
 * The database folder of local mode's DynamoDB: private to its user (each file is named after the
 * access key id it serves), and a folder from before each key had its own database keeps its models.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { prepareDbFolder } from "../../../local/dynamodb.ts";

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});
const scratch = () => {
  const folder = mkdtempSync(join(tmpdir(), "dynamodb-folder-"));
  folders.push(folder);
  return folder;
};

describe("prepareDbFolder", () => {
  it("creates the folder readable by its user only", () => {
    const dbPath = join(scratch(), "dynamodb");
    prepareDbFolder(dbPath, "AKIAABCDEFGHIJKLMNOP", "us-east-1");
    expect(statSync(dbPath).mode & 0o777).toBe(0o700);
  });

  it("closes an existing folder others could list", () => {
    const dbPath = scratch();
    chmodSync(dbPath, 0o755);
    prepareDbFolder(dbPath, "AKIAABCDEFGHIJKLMNOP", "us-east-1");
    expect(statSync(dbPath).mode & 0o777).toBe(0o700);
  });

  it("gives the shared database of an older data folder to the registry's key, and never replaces one it has", () => {
    const dbPath = scratch();
    writeFileSync(join(dbPath, "shared-local-instance.db"), "models");
    prepareDbFolder(dbPath, "AKIAABCDEFGHIJKLMNOP", "eu-west-1");
    expect(readFileSync(join(dbPath, "AKIAABCDEFGHIJKLMNOP_eu-west-1.db"), "utf8")).toBe("models");
    expect(existsSync(join(dbPath, "shared-local-instance.db"))).toBe(false);

    writeFileSync(join(dbPath, "shared-local-instance.db"), "older");
    prepareDbFolder(dbPath, "AKIAABCDEFGHIJKLMNOP", "eu-west-1");
    expect(readFileSync(join(dbPath, "AKIAABCDEFGHIJKLMNOP_eu-west-1.db"), "utf8")).toBe("models");
  });
});
