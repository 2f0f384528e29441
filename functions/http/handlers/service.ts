import { createApiHandler } from "../api.ts";
import { openApiDocument } from "../openapi.ts";

export const handler = createApiHandler("service", {
  health: async () => ({ body: { status: "ok" } }),
  getOpenApi: async () => ({ body: openApiDocument() }),
});
