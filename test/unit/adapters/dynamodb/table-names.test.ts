/**
 * The table's key attribute and index names are declared once, in `functions/adapters/dynamodb/table-definition.ts`.
 * The adapter derives them (`table.ts`); it must not restate them as string literals.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import {
  GSI1,
  GSI1_KEY_ATTRIBUTES,
  GSI2,
  GSI2_KEY_ATTRIBUTES,
  TABLE,
  TABLE_KEY_ATTRIBUTES,
  TTL_ATTRIBUTE,
} from "#adapters/dynamodb/table.ts";
import { registryTableDefinition as definition } from "../../../../functions/adapters/dynamodb/table-definition.ts";

const adapter = join(import.meta.dirname, "../../../../functions/adapters/dynamodb");

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith(".ts")
        ? [join(dir, entry.name)]
        : [],
  );
}

describe("the adapter's table names", () => {
  it("come from the table definition", () => {
    const [gsi1, gsi2] = definition.globalSecondaryIndexes;
    expect(TABLE).toEqual({ pk: definition.partitionKey, sk: definition.sortKey });
    expect(GSI1).toEqual({ name: gsi1.indexName, pk: gsi1.partitionKey, sk: gsi1.sortKey });
    expect(GSI2).toEqual({ name: gsi2.indexName, pk: gsi2.partitionKey, sk: gsi2.sortKey });
    expect(TTL_ATTRIBUTE).toBe(definition.timeToLiveAttribute);
    expect(TABLE_KEY_ATTRIBUTES).toEqual([definition.partitionKey, definition.sortKey]);
    expect(GSI1_KEY_ATTRIBUTES).toEqual([
      gsi1.partitionKey,
      gsi1.sortKey,
      definition.partitionKey,
      definition.sortKey,
    ]);
    expect(GSI2_KEY_ATTRIBUTES).toEqual([
      gsi2.partitionKey,
      gsi2.sortKey,
      definition.partitionKey,
      definition.sortKey,
    ]);
  });

  it("are not restated as literals anywhere in the adapter but its definition", () => {
    const names = [
      definition.partitionKey,
      definition.sortKey,
      definition.timeToLiveAttribute,
      ...definition.globalSecondaryIndexes.flatMap((i) => [i.indexName, i.partitionKey, i.sortKey]),
    ];
    const literal = new RegExp(`["'\`](${names.join("|")})["'\`]`);
    const offenders = sources(adapter)
      .filter((file) => relative(adapter, file) !== "table-definition.ts")
      .filter((file) => literal.test(readFileSync(file, "utf8")))
      .map((file) => relative(adapter, file));
    expect(offenders).toEqual([]);
  });
});
