import { createServer, type IncomingMessage } from "node:http";
import { readBody, refusedSignatureCode, sendAwsJson, verifyAwsCall } from "./aws-json.ts";
import type { SigningIdentity } from "./sigv4-verify.ts";
import { listenOn } from "./tcp-ports.ts";
import { type ExecutionRecord, type LocalWorkflowRunner, WorkflowApiError } from "./workflow-runner.ts";

export interface LocalStepFunctions {
  /** Give it to the SDK as `AWS_ENDPOINT_URL_SFN`. */
  endpoint: string;
  close(): Promise<void>;
}

class ProtocolError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

type Body = Record<string, unknown>;

export async function startLocalStepFunctions(options: {
  runner: LocalWorkflowRunner;
  /** 0 picks a free port. */
  port?: number;
  region: string;
  /**
   * Who may call it, by SigV4 (service `states`): the registry's own identity, as in AWS only the
   * functions' roles hold `states:SendTask*` and `states:StartExecution` (the registry's user roles
   * hold only `execute-api:Invoke`). Whoever else learns a task token can do nothing with it.
   */
  signers: readonly SigningIdentity[];
}): Promise<LocalStepFunctions> {
  const signers = new Map(options.signers.map((s) => [s.accessKeyId, s]));
  const { runner } = options;
  const operations: Record<string, (body: Body) => unknown> = {
    SendTaskSuccess: (body) => {
      runner.sendTaskSuccess(requiredString(body, "taskToken"), requiredString(body, "output"));
      return {};
    },
    SendTaskFailure: (body) => {
      runner.sendTaskFailure(
        requiredString(body, "taskToken"),
        optionalString(body, "error"),
        optionalString(body, "cause"),
      );
      return {};
    },
    // Nothing here times out on heartbeats; the call only has to know the token.
    SendTaskHeartbeat: (body) => {
      requiredString(body, "taskToken");
      return {};
    },
    StartExecution: (body) => {
      const arn = requiredString(body, "stateMachineArn");
      if (arn !== runner.stateMachineArn) {
        throw new WorkflowApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
      }
      const input = optionalString(body, "input") ?? "{}";
      let parsed: unknown;
      try {
        parsed = JSON.parse(input);
      } catch {
        throw new ProtocolError("InvalidExecutionInput", "Invalid State Machine Execution Input: not JSON");
      }
      const record = runner.startExecution(parsed, optionalString(body, "name"));
      return { executionArn: record.executionArn, startDate: epochSeconds(record.startDate) };
    },
    DescribeExecution: (body) => describe(runner.describeExecution(requiredString(body, "executionArn"))),
    StopExecution: (body) => {
      const { stopDate } = runner.stopExecution(
        requiredString(body, "executionArn"),
        optionalString(body, "error"),
        optionalString(body, "cause"),
      );
      return { stopDate: epochSeconds(stopDate) };
    },
  };

  async function handle(req: IncomingMessage): Promise<unknown> {
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.startsWith("AWSStepFunctions.") ? operations[target.slice(17)] : undefined;
    if (req.method !== "POST" || !operation) {
      throw new ProtocolError(
        "UnknownOperationException",
        `the local Step Functions does not answer '${target}'`,
      );
    }
    const raw = await readBody(req);
    const verified = await verifyAwsCall(req, raw, { region: options.region, service: "states", signers });
    if (!verified.ok) throw new ProtocolError(refusedSignatureCode(verified.code), verified.message, 403);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8") || "{}");
    } catch {
      throw new ProtocolError("SerializationException", "the request body is not JSON");
    }
    if (typeof body !== "object" || body === null)
      throw new ProtocolError("SerializationException", "not an object");
    return operation(body as Body);
  }

  const server = createServer((req, res) => {
    handle(req)
      .then((answer) => sendAwsJson(res, 200, answer, "1.0"))
      .catch((error: unknown) => {
        if (error instanceof WorkflowApiError || error instanceof ProtocolError) {
          const status = error instanceof ProtocolError ? error.status : 400;
          sendAwsJson(res, status, { __type: error.code, message: error.message }, "1.0");
        } else {
          sendAwsJson(
            res,
            500,
            { __type: "InternalFailure", message: String((error as Error)?.message ?? error) },
            "1.0",
          );
        }
      });
  });
  const port = await listenOn(
    server,
    options.port ?? 0,
    "127.0.0.1",
    "the local Step Functions",
    "REGISTRY_SFN_PORT",
  );
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function describe(record: ExecutionRecord): Body {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate && { stopDate: epochSeconds(record.stopDate) }),
    input: record.input,
    ...(record.output !== undefined && { output: record.output }),
    ...(record.error !== undefined && { error: record.error }),
    ...(record.cause !== undefined && { cause: record.cause }),
  };
}

function requiredString(body: Body, key: string): string {
  const value = body[key];
  if (typeof value !== "string" || value === "")
    throw new ProtocolError("ValidationException", `${key} is required`);
  return value;
}

function optionalString(body: Body, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new ProtocolError("ValidationException", `${key} must be a string`);
  return value;
}

/** The JSON protocols send timestamps as epoch seconds. */
const epochSeconds = (date: Date) => date.getTime() / 1000;
