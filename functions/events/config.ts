/**
 * The publisher's configuration, read and checked once at cold start. `RegistryEventBus.bind`
 * sets both variables in AWS; local mode sets them in `handlerEnvironment`.
 */
export interface PublisherConfig {
  busName: string;
  source: string;
}

export function readPublisherConfig(env: NodeJS.ProcessEnv = process.env): PublisherConfig {
  const missing = ["EVENT_BUS_NAME", "EVENT_SOURCE"].filter((name) => !env[name]);
  if (missing.length > 0) throw new Error(`missing configuration: set ${missing.join(", ")}`);
  return { busName: env.EVENT_BUS_NAME as string, source: env.EVENT_SOURCE as string };
}
