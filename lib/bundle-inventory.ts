/**
 * Which handler bundles the app deploys, read from the app itself: every RegistryFunction of
 * both stacks, with its entry and bundle settings. The bundle benchmark and the bundle-size
 * test iterate over this, so a handler added to a stack is measured without editing a list.
 */
import { registryApp } from "./app.ts";
import type { HandlerBundle } from "./bundling/index.ts";
import { defaultRegistryConfig } from "./registry-config.ts";
import { RegistryFunction } from "./registry-function.ts";
import { addRegistryStacks } from "./registry-stacks.ts";

export type DeclaredBundle = Omit<HandlerBundle, "outdir"> & { id: string };

export function declaredBundles(): DeclaredBundle[] {
  // No stack is bundled during this synth: only the declarations are read.
  const app = registryApp({ context: { "aws:cdk:bundling-stacks": [] } });
  addRegistryStacks(app, defaultRegistryConfig);
  return app.node
    .findAll()
    .filter((c): c is RegistryFunction => c instanceof RegistryFunction)
    .map((fn) => ({ id: fn.node.path, ...fn.bundle }));
}
