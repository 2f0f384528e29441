/**
 * A local stand-in for the Lambda service's Invoke API, so the registry's own Lambda adapter
 * (`functions/adapters/lambda/artifact-verification.ts`) runs unchanged in local mode: the SDK
 * posts to `AWS_ENDPOINT_URL_LAMBDA`, and this server runs the named worker in this process
 * through the local invoker, exactly like the gateway runs HTTP handlers.
 *
 * `X-Amz-Invocation-Type: Event` is answered 202 at once and the handler runs in the background
 * (as Lambda's asynchronous invoke); anything else waits and returns the handler's result.
 * Signatures are not checked: only the registry's own functions call it, on 127.0.0.1.
 *
 * Besides the registry's workers it runs the functions a deployment would own itself, such as a
 * policy's custom validation function: `functions` maps a function name to the module that
 * exports its `handler`. A request may name a function by name or by ARN (`…:function:<name>`,
 * with or without a qualifier), as the Lambda API allows.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody, refusedSignatureCode, verifyAwsCall } from "./aws-json.ts";
import { LOCAL_FUNCTION_ENTRIES } from "./handler-modules.ts";
import {
  createLocalInvoker,
  importHandler,
  type LambdaHandler,
  type LocalInvocationError,
} from "./lambda-invoker.ts";
import type { SigningIdentity } from "./sigv4-verify.ts";

/** Worker functions local mode can invoke: name → module exporting `handler`. */
export const LOCAL_WORKERS = {
  "model-registry-verify-artifacts": new URL(
    `../${LOCAL_FUNCTION_ENTRIES["verify-artifacts"]}`,
    import.meta.url,
  ),
} as const;
export type LocalWorker = keyof typeof LOCAL_WORKERS;

export interface LocalLambdaService {
  endpoint: string;
  /** Resolves when every background invocation started so far has settled. */
  idle(): Promise<void>;
  /** Stops accepting invocations and waits (at most `graceMs`) for running ones. */
  close(graceMs?: number): Promise<void>;
}

export async function startLambdaService(options: {
  region: string;
  /** Like the verifier's Lambda timeout (15 minutes by default). */
  timeoutMs?: number;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Functions of the deployment's own (a policy's custom validation): name → module exporting `handler`. */
  functions?: Readonly<Record<string, URL>>;
  /**
   * How the registry's own workers are loaded; default: imported from `LOCAL_WORKERS`. Local mode
   * passes its handler modules, which may be the deployed bundles (local/handler-modules.ts).
   */
  loadWorker?: (name: LocalWorker) => Promise<LambdaHandler<unknown, unknown>>;
  /**
   * Who may invoke, by SigV4 (service `lambda`): the registry's own identity, as in AWS only the
   * functions' roles hold `lambda:InvokeFunction` on the verifier and a policy's validators.
   */
  signers: readonly SigningIdentity[];
  log?: (message: string) => void;
}): Promise<LocalLambdaService> {
  const signers = new Map(options.signers.map((s) => [s.accessKeyId, s]));
  const log = options.log ?? ((message: string) => console.error(message));
  const own = new Map<string, URL>(Object.entries(LOCAL_WORKERS));
  const modules = new Map<string, URL>([...Object.entries(options.functions ?? {}), ...own]);
  const invoker = createLocalInvoker<string, unknown, unknown>({
    load: (name) =>
      options.loadWorker && own.has(name)
        ? options.loadWorker(name as LocalWorker)
        : importHandler(modules.get(name) as URL, name),
    timeoutMs: options.timeoutMs ?? 15 * 60 * 1000,
    region: options.region,
    functionName: (name) => name,
  });
  const running = new Set<Promise<unknown>>();

  const server = createServer(async (request, response) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(request.url ?? "");
    const name = match ? functionNameOf(decodeURIComponent(match[1] as string)) : undefined;
    if (request.method !== "POST" || !name) {
      response.writeHead(404, { "content-type": "application/json" });
      response.end(JSON.stringify({ Type: "User", message: "unknown operation" }));
      return;
    }
    if (!modules.has(name)) {
      response.writeHead(404, {
        "content-type": "application/json",
        "x-amzn-errortype": "ResourceNotFoundException",
      });
      response.end(JSON.stringify({ Type: "User", message: `Function not found: ${name}` }));
      return;
    }
    const body = await readBody(request);
    const verified = await verifyAwsCall(request, body, {
      region: options.region,
      service: "lambda",
      signers,
    });
    if (!verified.ok) {
      response.writeHead(403, {
        "content-type": "application/json",
        "x-amzn-errortype": refusedSignatureCode(verified.code),
      });
      response.end(JSON.stringify({ Type: "User", message: verified.message }));
      return;
    }
    let event: unknown;
    try {
      event = body.length > 0 ? JSON.parse(body.toString("utf8")) : {};
    } catch {
      response.writeHead(400, {
        "content-type": "application/json",
        "x-amzn-errortype": "InvalidRequestContentException",
      });
      response.end(JSON.stringify({ Type: "User", message: "the payload is not JSON" }));
      return;
    }
    const invocation = invoker.invoke(name, event);
    if (request.headers["x-amz-invocation-type"] === "Event") {
      const tracked = invocation.catch((error: LocalInvocationError) =>
        log(`local Lambda ${name} failed: ${error.message}${error.cause ? ` (${String(error.cause)})` : ""}`),
      );
      running.add(tracked);
      void tracked.finally(() => running.delete(tracked));
      response.writeHead(202, { "x-amzn-requestid": "local" });
      response.end();
      return;
    }
    try {
      const result = await invocation;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(result ?? null));
    } catch (error) {
      response.writeHead(200, { "content-type": "application/json", "x-amz-function-error": "Unhandled" });
      response.end(JSON.stringify({ errorMessage: (error as Error).message }));
    }
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;

  const idle = async () => {
    while (running.size > 0) await Promise.allSettled([...running]);
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    idle,
    close: async (graceMs = 5000) => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.race([idle(), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    },
  };
}

/** `fairness`, `arn:aws:lambda:us-east-1:123456789012:function:fairness` or `…:fairness:live` → `fairness`. */
export function functionNameOf(nameOrArn: string): string {
  const arn = /^arn:[^:]+:lambda:[^:]*:[^:]*:function:([^:]+)(?::[^:]+)?$/.exec(nameOrArn);
  return arn ? (arn[1] as string) : nameOrArn;
}
