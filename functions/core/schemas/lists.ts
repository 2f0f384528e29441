/** Lists: page size, tokens, filters and the page shape. */
import { z } from "zod";
import { Stage, VersionStatus } from "./names.ts";
import { decimalParam } from "./numbers.ts";

export const Limit = decimalParam(1, 100).default(20).meta({ description: "page size, 1-100 (default 20)" });

export const NextToken = z
  .string()
  .min(1)
  .max(4096)
  .optional()
  .meta({ description: "from the previous page" });

export const ListModelsQuery = z
  .object({
    prefix: z.string().max(128).optional(),
    tag: z
      .string()
      .regex(/^[^=]+=.*$/, { error: "must look like key=value" })
      .optional(),
    owner: z.string().max(256).optional(),
    limit: Limit,
    nextToken: NextToken,
  })
  .strict();
export type ListModelsQuery = z.infer<typeof ListModelsQuery>;

export const ListVersionsQuery = z
  .object({ stage: Stage.optional(), status: VersionStatus.optional(), limit: Limit, nextToken: NextToken })
  .strict();
export type ListVersionsQuery = z.infer<typeof ListVersionsQuery>;

export const PageQuery = z.object({ limit: Limit, nextToken: NextToken }).strict();
export type PageQuery = z.infer<typeof PageQuery>;

export const page = <T extends z.ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      nextToken: z.string().optional().meta({ description: "absent on the last page" }),
    })
    .meta({ id });
