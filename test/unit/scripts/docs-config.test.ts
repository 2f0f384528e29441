import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { environmentVariables } from "#composition/environment.ts";
import { registryApp } from "../../../lib/app.ts";
import { contextKeys } from "../../../lib/context-keys.ts";
import { readRegistryConfig } from "../../../lib/registry-config.ts";
import { formatContextTable, formatDefault, formatEnvironmentTable } from "../../../scripts/docs-config.ts";

const root = new URL("../../../", import.meta.url);
const sources = (folder: string): string[] =>
  readdirSync(new URL(folder, root), { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".ts"))
    .map((file) => readFileSync(new URL(join(folder, file), root), "utf8"));

describe("the CDK context table", () => {
  it("describes exactly the keys readRegistryConfig reads", () => {
    const app = registryApp();
    const read = new Set<string>();
    const tryGetContext = app.node.tryGetContext.bind(app.node);
    app.node.tryGetContext = (key: string) => {
      read.add(key);
      return tryGetContext(key);
    };
    readRegistryConfig(app.node);
    expect([...read].sort()).toEqual(Object.keys(contextKeys).sort());
  });

  it("shows each key's default from defaultRegistryConfig", () => {
    const table = formatContextTable();
    expect(table).toContain("| `stackPrefix` | `ModelRegistry` |");
    expect(table).toContain("| `approvalTimeoutDays` | `7` |");
    expect(table).toContain("| `stateRemovalPolicy` | `retain` |");
    expect(table).toContain("| `alarmEmail` | none |");
    expect(table).toContain("| `accessLogRetentionDays` | `90` |");
    expect(formatDefault([])).toBe("none");
    expect(table.split("\n")).toHaveLength(Object.keys(contextKeys).length + 2);
  });
});

describe("the Lambda environment table", () => {
  /** Names the functions read: `env.NAME`, `env["NAME"]`, `required("NAME")`, and the publisher's list. */
  const read = new Set(
    sources("functions/").flatMap((text) =>
      [
        ...text.matchAll(/\benv(?:\.|\[")([A-Z][A-Z0-9_]+)/g),
        ...text.matchAll(/\brequired\("([A-Z][A-Z0-9_]+)"\)/g),
        ...text.matchAll(/EnvironmentVariable\[\] = \[([^\]]+)\]/g),
      ].flatMap((match) => [...match[1]!.matchAll(/[A-Z][A-Z0-9_]+/g)].map(([name]) => name)),
    ),
  );
  /** The app and local mode set variables; Powertools reads its own (named in the functions' comments). */
  const named = [...sources("lib/"), ...sources("local/"), ...sources("functions/")].join("\n");

  it("describes every variable a function reads", () => {
    expect([...read]).toEqual(
      expect.arrayContaining(["TABLE_NAME", "EVENT_BUS_NAME", "REPORT_DYNAMODB_USAGE"]),
    );
    for (const name of read) expect(Object.keys(environmentVariables), name).toContain(name);
  });

  it("describes nothing the app, local mode and the functions never name", () => {
    for (const name of Object.keys(environmentVariables)) {
      expect(read.has(name) || named.includes(name), name).toBe(true);
    }
  });

  it("has one row per variable", () => {
    expect(formatEnvironmentTable().split("\n")).toHaveLength(Object.keys(environmentVariables).length + 2);
  });
});
