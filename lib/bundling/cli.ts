/**
 * `node --import tsx lib/bundling/cli.ts '<HandlerBundle as JSON>'`: how the CDK wrapper
 * (`lib/registry-function.ts`) bundles synchronously during synth (esbuild plugins need the
 * asynchronous API).
 */
import { bundleHandler, type HandlerBundle } from "./index.ts";

const bundle = JSON.parse(process.argv[2] ?? "") as HandlerBundle;
const result = await bundleHandler(bundle);
if (result.errors.length > 0) process.exit(1);
