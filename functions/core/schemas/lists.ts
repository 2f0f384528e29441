/** Lists: page size, tokens, filters and the page shape. */
import * as z from "zod/mini";
import { Stage, VersionStatus } from "./names.ts";
import { decimalParam } from "./numbers.ts";

export const Limit = z
  ._default(decimalParam(1, 100), 20)
  .register(z.globalRegistry, { description: "page size, 1-100 (default 20)" });

export const NextToken = z
  .optional(z.string().check(z.minLength(1), z.maxLength(4096)))
  .register(z.globalRegistry, { description: "from the previous page" });

export const ListModelsQuery = z.strictObject({
  prefix: z.optional(z.string().check(z.maxLength(128))),
  tag: z.optional(z.string().check(z.regex(/^[^=]+=.*$/, { error: "must look like key=value" }))),
  owner: z.optional(z.string().check(z.maxLength(256))),
  limit: Limit,
  nextToken: NextToken,
});
export type ListModelsQuery = z.infer<typeof ListModelsQuery>;

export const ListVersionsQuery = z.strictObject({
  stage: z.optional(Stage),
  status: z.optional(VersionStatus),
  limit: Limit,
  nextToken: NextToken,
});
export type ListVersionsQuery = z.infer<typeof ListVersionsQuery>;

export const PageQuery = z.strictObject({ limit: Limit, nextToken: NextToken });
export type PageQuery = z.infer<typeof PageQuery>;

export const page = <T extends z.core.$ZodType>(item: T, id: string) =>
  z
    .object({
      items: z.array(item),
      nextToken: z
        .optional(z.string())
        .register(z.globalRegistry, { description: "absent on the last page" }),
    })
    .register(z.globalRegistry, { id });
