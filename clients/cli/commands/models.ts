import type { CreateModelInput, Policy } from "../../typescript/types.ts";
import { parseStringMap, splitKeyValue } from "../flag-values.ts";
import { readJsonObject } from "../input-files.ts";
import { UsageError } from "../usage-error.ts";
import {
  type Command,
  type CommandContext,
  commandWithoutOptions,
  listing,
  operand,
  PAGE_OPTIONS,
  PAGE_SYNOPSIS,
} from "./command.ts";

function singleTag(context: CommandContext): string | undefined {
  const tags = context.flags.tag ?? [];
  if (tags.length > 1) throw new UsageError("models list: --tag filters on one KEY=VALUE; give it once");
  const tag = tags[0];
  if (tag !== undefined) splitKeyValue("tag", tag);
  return tag;
}

/**
 * `--policy-file FILE` (`-`: standard input): the promotion policy as JSON, sent as given; the
 * server's validation names any field that is wrong (docs/governance.md).
 */
async function policyOf(context: CommandContext) {
  const file = context.flags["policy-file"];
  return file === undefined ? undefined : await readJsonObject("policy-file", file, context.stdin);
}

function modelFields(context: CommandContext) {
  const { description, owner } = context.flags;
  return { description, owner, tags: parseStringMap("tag", context.flags.tag) };
}

export const modelCommands: Command[] = [
  {
    words: ["models", "list"],
    operands: [],
    options: ["prefix", "tag", "owner", ...PAGE_OPTIONS],
    synopsis: `[--prefix P] [--tag k=v] [--owner O] ${PAGE_SYNOPSIS}`,
    run: (context) => {
      const { prefix, owner } = context.flags;
      const tag = singleTag(context);
      return listing(context, (limit, nextToken) =>
        context.client().listModels({ prefix, tag, owner, limit, nextToken }),
      );
    },
  },
  {
    words: ["models", "create"],
    operands: ["NAME"],
    options: ["description", "owner", "tag", "policy-file"],
    synopsis: "[--description D] [--owner O] [--tag k=v]... [--policy-file FILE]",
    idempotent: true,
    run: async (context) =>
      context.client().createModel(
        {
          name: operand(context, 0),
          ...modelFields(context),
          policy: (await policyOf(context)) as CreateModelInput["policy"],
        },
        context.write,
      ),
  },
  commandWithoutOptions(["models", "get"], ["NAME"], (context) =>
    context.client().getModel(operand(context, 0)),
  ),
  {
    words: ["models", "update"],
    operands: ["NAME"],
    options: ["description", "owner", "tag", "if-match"],
    synopsis: "[--description D] [--owner O] [--tag k=v]... [--if-match ETAG]",
    run: async (context) => {
      const patch = modelFields(context);
      if (Object.values(patch).every((value) => value === undefined)) {
        throw new UsageError(
          "models update: give at least one of --description, --owner, --tag (a policy is set with models policy set)",
        );
      }
      return context.client().updateModel(operand(context, 0), patch, { ifMatch: context.flags["if-match"] });
    },
  },
  commandWithoutOptions(["models", "policy", "get"], ["NAME"], (context) =>
    context.client().getModelPolicy(operand(context, 0)),
  ),
  {
    words: ["models", "policy", "set"],
    operands: ["NAME"],
    options: ["policy-file", "if-match"],
    synopsis: "--policy-file FILE [--if-match ETAG]",
    run: async (context) => {
      const policy = await policyOf(context);
      if (policy === undefined)
        throw new UsageError("models policy set: give --policy-file FILE (- for stdin)");
      return context
        .client()
        .setModelPolicy(operand(context, 0), policy as Policy, { ifMatch: context.flags["if-match"] });
    },
  },
  {
    words: ["models", "delete"],
    operands: ["NAME"],
    options: ["if-match"],
    synopsis: "[--if-match ETAG]",
    run: async (context) => {
      const name = operand(context, 0);
      await context.client().deleteModel(name, { ifMatch: context.flags["if-match"] });
      return { model: name, deleted: true };
    },
  },
];
