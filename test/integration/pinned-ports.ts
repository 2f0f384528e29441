/**
 * Ports for test files that start several registries one after another in one process. The HTTP
 * handlers read their endpoints once, at import (cold start, as in Lambda), so every registry of
 * the file must offer its emulators and bus on the same ports; a port chosen once is then held by
 * nobody between two starts, and another process may take it.
 *
 * Two defences: the ports come from below the kernel's ephemeral range
 * (`/proc/sys/net/ipv4/ip_local_port_range`), so no outgoing connection of any process on the
 * machine is ever given one (only a listener asking for that very number could take it); and a
 * start that still finds one taken is tried again: with fresh ports while no registry of the file
 * has started (no handler has read the old ones yet), with the same ports after a pause otherwise.
 */
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import type { LocalRegistry, LocalRegistryOptions } from "../../local/registry.ts";
import { startLocalRegistry } from "../../local/registry.ts";

type PortName = "dynamoDbPort" | "s3Port" | "eventBusPort" | "lambdaPort" | "stepFunctionsPort";
export type PinnedPorts = Partial<Record<PortName, number>>;

/** The first port the kernel hands out for outgoing connections (32768 unless configured). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 11_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", () => resolve(false));
    // No host: all interfaces, as DynamoDB Local binds.
    server.listen(port, () => server.close(() => resolve(true)));
  });
}

/** Free ports from 10000 up to the ephemeral range, one per name, all different. */
export async function pickPorts(names: readonly PortName[]): Promise<PinnedPorts> {
  const high = ephemeralLow();
  const chosen = new Set<number>();
  const ports: PinnedPorts = {};
  for (const name of names) {
    for (let attempt = 0; ; attempt++) {
      const port = 10_000 + Math.floor(Math.random() * (high - 10_000));
      if (!chosen.has(port) && (await isFree(port))) {
        chosen.add(port);
        ports[name] = port;
        break;
      }
      if (attempt > 200) throw new Error("no free port below the ephemeral range");
    }
  }
  return ports;
}

const portTaken = (error: unknown) =>
  error instanceof Error && /already in use|EADDRINUSE/.test(error.message);

/**
 * A starter of registries on pinned ports: `start(options)` adds the ports and starts one, trying
 * again when a port is taken (see the top of this file). `ports` are the ones in use.
 *
 * Every registry it starts has one registry secret, for the same reason as the ports: the
 * handlers keep their SDK clients (and the credentials they were built with), as Lambda does, as
 * one deployment's functions sign with one role.
 */
export async function pinnedRegistries(names: readonly PortName[]) {
  const registrySecret = `pinned-${randomBytes(24).toString("base64url")}`;
  let ports = await pickPorts(names);
  let started = false;
  return {
    get ports(): PinnedPorts {
      return ports;
    },
    async start(options: LocalRegistryOptions, attempts = 5): Promise<LocalRegistry> {
      for (let attempt = 1; ; attempt++) {
        try {
          const registry = await startLocalRegistry({ registrySecret, ...options, ...ports });
          started = true;
          return registry;
        } catch (error) {
          if (!portTaken(error) || attempt >= attempts) throw error;
          if (!started) ports = await pickPorts(names);
          else await new Promise((r) => setTimeout(r, 1_000));
        }
      }
    },
  };
}
