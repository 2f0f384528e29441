import { join } from "node:path";
import { downloadVersion } from "../../typescript/artifact-download.ts";
import { UsageError } from "../usage-error.ts";
import { parseVersionRef, resolveVersionRef } from "../version-ref.ts";
import { type Command, Lines, operand } from "./command.ts";
import { parallelFlag } from "./transfer-flags.ts";

export const downloadCommands: Command[] = [
  {
    words: ["download"],
    operands: ["MODEL", "VERSION|ALIAS|STAGE"],
    options: ["to", "parallel"],
    synopsis: "--to DIR [--parallel N]",
    run: async (context) => {
      const model = operand(context, 0);
      const which = operand(context, 1);
      const to = context.flags.to;
      if (to === undefined || to === "") throw new UsageError("download: say where with --to DIR");
      // Version numbers are all digits and alias names never are: the registry refuses such aliases.
      // A stage name means the version in that stage (the newest one in development or archived).
      const ref = parseVersionRef("VERSION", which);
      const target =
        "stage" in ref ? { version: await resolveVersionRef(context.client(), model, ref) } : ref;
      const parallel = parallelFlag(context);
      const bar = context.progress("downloading");
      try {
        const { files } = await downloadVersion(
          context.client(),
          { model, to, ...target },
          { ...context.transfer, ...(parallel !== undefined && { parallel }), onProgress: bar.update },
        );
        bar.done();
        // `sha256sum -c` reads this format: the listing doubles as a checksum file.
        return new Lines(files.map((file) => `${file.sha256}  ${join(to, ...file.path.split("/"))}`));
      } catch (error) {
        bar.done();
        throw error;
      }
    },
  },
];
