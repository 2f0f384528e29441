/** The operations of the `service` route group: the health check and the OpenAPI document. */
import type { OperationSpec } from "./spec.ts";

export const serviceOperations = {
  health: { success: { status: 200, description: "the registry is up" } },
  getOpenApi: { success: { status: 200, description: "this document" } },
  whoami: {
    success: {
      status: 200,
      description:
        "who the registry sees: the principal ARN every write records as its actor, its account, and its roles (null where IAM alone decides: in AWS)",
    },
  },
} satisfies Record<string, OperationSpec>;
