/**
 * The console in local mode: served by the local gateway at `/console/` (`local/registry.ts`),
 * signing each call as the local principal the page picks.
 */
import type { LocalPrincipal } from "../../local/principals.ts";
import { type ConsoleHandler, createConsoleHandler, newConsoleToken } from "./console-server.ts";

export interface LocalConsole {
  handler: ConsoleHandler;
  token: string;
}

export function createLocalConsole(settings: {
  principals: readonly LocalPrincipal[];
  region: string;
  /** The gateway's endpoint, once it listens. */
  endpoint: () => string;
  ownOrigins: () => readonly string[];
  distDir?: string;
}): LocalConsole {
  const token = newConsoleToken();
  const handler = createConsoleHandler({
    mode: "local",
    apiEndpoint: settings.endpoint,
    region: settings.region,
    identities: settings.principals.map((p) => ({
      name: p.name,
      role: p.role,
      credentials: { accessKeyId: p.accessKeyId, secretAccessKey: p.secretAccessKey },
    })),
    token,
    // The local principals' keys are printed by `npm start`: any local process can sign with
    // them anyway. The token keeps other web pages out, and only this origin can read the page.
    tokenDelivery: "page",
    ownOrigins: settings.ownOrigins,
    ...(settings.distDir && { distDir: settings.distDir }),
  });
  return { handler, token };
}
