import { dirname } from "node:path";
import type { Plugin } from "esbuild";

const TRACING_MODULE = /\/functions\/adapters\/tracing\.ts$/;

/** Without the tracer, `functions/adapters/tracing.ts` is `tracing-off.ts` (same exports, no Tracer). */
export function tracingSwitch(tracer: boolean): Plugin {
  return {
    name: "tracing-switch",
    setup(build) {
      if (tracer) return;
      build.onLoad({ filter: TRACING_MODULE }, (args) => ({
        contents: 'export * from "./tracing-off.ts";',
        loader: "ts",
        resolveDir: dirname(args.path),
      }));
    },
  };
}
