import type { IncomingMessage, ServerResponse } from "node:http";
import type { LocalEventBus } from "./event-bus.ts";

/** The gateway path of the local event stream (local mode only, unauthenticated, read-only). */
export const EVENT_STREAM_PATH = "/_local/events";

/**
 * `GET /_local/events`: every event the local bus accepts, as Server-Sent Events, each `data:`
 * line the full EventBridge envelope (`curl -N`, or `new EventSource(...)` in a browser).
 * Only events put after the client connected are sent; the bus keeps no backlog.
 */
export function eventStreamHandler(bus: LocalEventBus) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
      // No CORS header of its own: the gateway answers CORS for the registry's own origin only.
    });
    // A comment line, so clients see the stream open before the first event.
    res.write(": model-registry local events\n\n");
    const unsubscribe = bus.subscribe((event) => {
      res.write(`id: ${event.id}\nevent: registry\ndata: ${JSON.stringify(event)}\n\n`);
    });
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
    const end = () => {
      clearInterval(keepAlive);
      unsubscribe();
    };
    req.once("close", end);
    res.once("close", end);
  };
}
