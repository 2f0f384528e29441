/** Local mode's TCP ports: finding a free one, checking one is free, listening on loopback. */
import { type AddressInfo, createServer, type Server } from "node:net";
import { LocalModeError } from "./local-mode-error.ts";

/** Asks the OS for a free TCP port (on all interfaces, as DynamoDB Local binds to all of them). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("the OS gave no free port"))));
    });
  });
}

/**
 * Fails with a one-sentence `LocalModeError` when `port` is taken. Used before spawning a child
 * (DynamoDB Local) whose own failure would only show up as a Java stack trace.
 */
export function assertPortFree(port: number, what: string, envHint: string, host?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "EADDRINUSE" ? portInUseError(port, what, envHint) : error);
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

export function portInUseError(port: number, what: string, envHint: string): LocalModeError {
  return new LocalModeError(
    `Port ${port} is already in use, so ${what} cannot listen on it: stop the other process or set ${envHint} to a free port.`,
  );
}

/**
 * Starts `server` listening on `port` (0: any free one) and answers the port it got; a port in use
 * is the one-sentence `LocalModeError` of `portInUseError`.
 */
export function listenOn(
  server: Server,
  port: number,
  host: string,
  what: string,
  envHint: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? portInUseError(port, what, envHint) : error),
    );
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}
