/** The body of every error response. */
import * as z from "zod/mini";

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().register(z.globalRegistry, { example: "ModelNotFound" }),
      message: z.string().register(z.globalRegistry, { example: "model 'fraud' does not exist" }),
      requestId: z.string(),
      issues: z.optional(z.array(z.object({ field: z.string(), message: z.string() }))),
      details: z.optional(z.unknown()).register(z.globalRegistry, {
        description:
          "machine-readable facts, e.g. `{artifacts: [...]}`: the per-artifact report of a refused seal",
      }),
    }),
  })
  .register(z.globalRegistry, { id: "Error" });
