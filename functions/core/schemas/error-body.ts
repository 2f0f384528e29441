/** The body of every error response. */
import { z } from "zod";

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: "ModelNotFound" }),
      message: z.string().meta({ example: "model 'fraud' does not exist" }),
      requestId: z.string(),
      issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
      details: z.unknown().optional().meta({
        description:
          "machine-readable facts, e.g. `{artifacts: [...]}`: the per-artifact report of a refused seal",
      }),
    }),
  })
  .meta({ id: "Error" });
