import { resumeUpload, uploadCreatedVersion } from "../../typescript/artifact-upload.ts";
import type { UpdateVersionInput } from "../../typescript/types.ts";
import { collectArtifactFiles } from "../artifact-file.ts";
import { parseStringMap, parseVersion } from "../flag-values.ts";
import { readInput, readJsonObject } from "../input-files.ts";
import { UsageError } from "../usage-error.ts";
import { checkStage, parseVersionRef, resolveVersionRef } from "../version-ref.ts";
import {
  type Command,
  commandWithoutOptions,
  listing,
  operand,
  PAGE_OPTIONS,
  PAGE_SYNOPSIS,
} from "./command.ts";
import { uploadWithProgress } from "./transfer-flags.ts";
import { buildVersionInput } from "./version-input.ts";

export const versionCommands: Command[] = [
  {
    words: ["versions", "list"],
    operands: ["MODEL"],
    options: ["stage", "status", ...PAGE_OPTIONS],
    synopsis: `[--stage S] [--status S] ${PAGE_SYNOPSIS}`,
    run: (context) => {
      const { status } = context.flags;
      const stage = checkStage("--stage", context.flags.stage);
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
      "artifact-dir",
      "no-upload",
      "no-wait",
      "parallel",
    ],
    synopsis:
      "[--file version.json|-] [--description D] [--metric k=NUMBER]... [--param k=v]... [--tag k=v]...\n" +
      "      [--framework F] [--format F] [--artifact path=P,size=N,sha256=HEX]... [--artifact-file FILE]...\n" +
      "      [--artifact-dir DIR]... [--no-upload | --no-wait] [--parallel N]",
    idempotent: true,
    run: async (context) => {
      const model = operand(context, 0);
      const { input, files, fieldFlags } = await buildVersionInput(context.flags, context.stdin);
      for (const [field, flag] of fieldFlags) context.fieldFlags.set(field, flag);
      const client = context.client();
      const created = await client.createVersion(model, input, context.write);
      // Without local files there is nothing to upload: the answer (with its upload URLs) is the result.
      if (context.flags["no-upload"] || files.length === 0) return created;
      return uploadWithProgress(context, model, created.version, (options) =>
        uploadCreatedVersion(client, created, files, options),
      );
    },
  },
  {
    words: ["versions", "upload"],
    operands: ["MODEL", "VERSION"],
    options: ["artifact-file", "artifact-dir", "no-wait", "parallel"],
    synopsis: "--artifact-file FILE... | --artifact-dir DIR... [--no-wait] [--parallel N]",
    run: async (context) => {
      const model = operand(context, 0);
      const version = parseVersion("VERSION", operand(context, 1));
      const files = await collectArtifactFiles(context.flags["artifact-file"], context.flags["artifact-dir"]);
      if (files.length === 0)
        throw new UsageError("versions upload: name the files with --artifact-file or --artifact-dir");
      const client = context.client();
      return uploadWithProgress(context, model, version, (options) =>
        resumeUpload(client, model, version, files, options),
      );
    },
  },
  {
    words: ["versions", "abandon"],
    operands: ["MODEL", "VERSION"],
    options: [],
    synopsis: "",
    idempotent: true,
    run: (context) =>
      context
        .client()
        .abandonVersion(operand(context, 0), parseVersion("VERSION", operand(context, 1)), context.write),
  },
  // Like download: a version number, an alias, or a stage (the version in it).
  commandWithoutOptions(["versions", "get"], ["MODEL", "VERSION|ALIAS|STAGE"], async (context) => {
    const model = operand(context, 0);
    const client = context.client();
    const version = await resolveVersionRef(client, model, parseVersionRef("VERSION", operand(context, 1)));
    return client.getVersion(model, version);
  }),
  {
    words: ["versions", "update"],
    operands: ["MODEL", "VERSION"],
    options: ["file", "description", "tag", "model-card", "framework", "format", "if-match"],
    synopsis:
      "[--file patch.json|-] [--description D] [--tag k=v]... [--model-card FILE|-]\n" +
      "      [--framework F] [--format F] [--if-match ETAG]",
    run: async (context) => {
      const version = parseVersion("VERSION", operand(context, 1));
      const { flags } = context;
      if (flags.file === "-" && flags["model-card"] === "-")
        throw new UsageError(
          "versions update: only one of --file and --model-card can read standard input (-)",
        );
      // The file is the PATCH body; each flag replaces its field, as PATCH replaces each field whole.
      const patch = (
        flags.file ? await readJsonObject("file", flags.file, context.stdin) : {}
      ) as UpdateVersionInput;
      for (const field of ["description", "framework", "format"] as const) {
        const value = flags[field];
        if (value !== undefined) patch[field] = value as never;
      }
      const tags = parseStringMap("tag", flags.tag);
      if (tags) patch.tags = tags;
      if (flags["model-card"] !== undefined)
        patch.modelCard = await readInput("model-card", flags["model-card"], context.stdin);
      if (Object.keys(patch).length === 0) {
        throw new UsageError(
          "versions update: give at least one of --file, --description, --tag, --model-card, --framework, --format",
        );
      }
      return context
        .client()
        .updateVersion(operand(context, 0), version, patch, { ifMatch: flags["if-match"] });
    },
  },
  commandWithoutOptions(["versions", "compare"], ["MODEL", "V1", "V2"], (context) =>
    context
      .client()
      .compareVersions(
        operand(context, 0),
        parseVersion("V1", operand(context, 1)),
        parseVersion("V2", operand(context, 2)),
      ),
  ),
];
