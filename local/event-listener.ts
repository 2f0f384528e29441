import { createServer } from "node:http";

/**
 * An HTTP target on this machine for the local bus: each POSTed body is parsed as JSON and handed
 * to `onEvent`, and answered 204.
 */
export async function startEventListener(
  onEvent: (event: unknown) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      onEvent(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/events`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
