import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { API_SCHEMA_FILE, generateApiSchema } from "../../../console/generate-api.ts";

describe("the console's API types", () => {
  it("are generated from the OpenAPI document the registry serves (run `npm run console:api` when this fails)", {
    timeout: 60_000,
  }, async () => {
    const committed = readFileSync(API_SCHEMA_FILE, "utf8");
    const fresh = await generateApiSchema();
    expect(committed === fresh, "console/src/api-schema.ts is stale: run `npm run console:api`").toBe(true);
    // The pages' calls are typed against these paths.
    expect(committed).toContain('"/approvals": {');
    expect(committed).toContain('"/models/{model}/stages/{stage}/history": {');
  });
});
