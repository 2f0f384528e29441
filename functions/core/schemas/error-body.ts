/** The body of every error response. */
import { z } from "zod";

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().meta({ example: "ModelNotFound" }),
      message: z.string().meta({ example: "model 'fraud' does not exist" }),
      requestId: z.string(),
      issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });
