import { createApiHandler } from "../api.ts";
import { openApiDocument } from "../openapi.ts";
import { serviceOperations } from "../operations/service.ts";

export const handler = createApiHandler("service", serviceOperations, {
  health: async () => ({ body: { status: "ok" } }),
  getOpenApi: async () => ({ body: openApiDocument() }),
});
