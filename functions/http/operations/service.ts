/** The operations of the `service` route group: the health check and the OpenAPI document. */
import type { OperationSpec } from "./spec.ts";

export const serviceOperations = {
  health: { success: { status: 200, description: "the registry is up" } },
  getOpenApi: { success: { status: 200, description: "this document" } },
} satisfies Record<string, OperationSpec>;
