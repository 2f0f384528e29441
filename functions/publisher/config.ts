/**
 * The publisher's configuration, read and checked once at cold start. `RegistryEventBus.bind`
 * sets both variables in AWS; local mode sets them in `handlerEnvironment`.
 */
import type { EnvironmentVariable } from "#composition/environment.ts";

export interface PublisherConfig {
  busName: string;
  source: string;
}

export function readPublisherConfig(
  env: Partial<Record<EnvironmentVariable, string>> = process.env,
): PublisherConfig {
  const names: EnvironmentVariable[] = ["EVENT_BUS_NAME", "EVENT_SOURCE"];
  const missing = names.filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`missing configuration: set ${missing.join(", ")}`);
  return { busName: env.EVENT_BUS_NAME as string, source: env.EVENT_SOURCE as string };
}
