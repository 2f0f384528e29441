import type { UpdateVersionInput } from "../../lib/types.ts";
import { parseStringMap, parseVersion } from "../flag-values.ts";
import { readInput } from "../input-files.ts";
import { UsageError } from "../usage-error.ts";
import { type Command, listing, operand } from "./command.ts";
import { buildVersionInput } from "./version-input.ts";

export const versionCommands: Command[] = [
  {
    words: ["versions", "list"],
    operands: ["MODEL"],
    options: ["stage", "status", "limit", "all"],
    synopsis: "[--stage S] [--status S] [--limit N] [--all]",
    run: (context) => {
      const { stage, status } = context.flags;
      const model = operand(context, 0);
      return listing(context, (limit, nextToken) =>
        context.client().listVersions(model, { stage, status, limit, nextToken }),
      );
    },
  },
  {
    words: ["versions", "create"],
    operands: ["MODEL"],
    options: [
      "file",
      "description",
      "metric",
      "param",
      "tag",
      "framework",
      "format",
      "artifact",
      "artifact-file",
    ],
    synopsis:
      "[--file version.json|-] [--description D] [--metric k=NUMBER]... [--param k=v]... [--tag k=v]...\n" +
      "      [--framework F] [--format F] [--artifact path=P,size=N,sha256=HEX]... [--artifact-file PATH]...",
    idempotent: true,
    run: async (context) =>
      context
        .client()
        .createVersion(
          operand(context, 0),
          await buildVersionInput(context.flags, context.stdin),
          context.write,
        ),
  },
  {
    words: ["versions", "get"],
    operands: ["MODEL", "VERSION"],
    options: [],
    synopsis: "",
    run: (context) =>
      context.client().getVersion(operand(context, 0), parseVersion("VERSION", operand(context, 1))),
  },
  {
    words: ["versions", "update"],
    operands: ["MODEL", "VERSION"],
    options: ["description", "tag", "model-card", "if-match"],
    synopsis: "[--description D] [--tag k=v]... [--model-card FILE|-] [--if-match ETAG]",
    run: async (context) => {
      const version = parseVersion("VERSION", operand(context, 1));
      const { description, "model-card": cardFile } = context.flags;
      const patch: UpdateVersionInput = { description, tags: parseStringMap("tag", context.flags.tag) };
      if (cardFile !== undefined) patch.modelCard = await readInput("model-card", cardFile, context.stdin);
      if (Object.values(patch).every((value) => value === undefined)) {
        throw new UsageError("versions update: give at least one of --description, --tag, --model-card");
      }
      return context
        .client()
        .updateVersion(operand(context, 0), version, patch, { ifMatch: context.flags["if-match"] });
    },
  },
  {
    words: ["versions", "compare"],
    operands: ["MODEL", "V1", "V2"],
    options: [],
    synopsis: "",
    run: (context) =>
      context
        .client()
        .compareVersions(
          operand(context, 0),
          parseVersion("V1", operand(context, 1)),
          parseVersion("V2", operand(context, 2)),
        ),
  },
];
