import { describe, expect, it } from "vitest";
import {
  createLocalInvoker,
  HandlerFailedError,
  HandlerLoadError,
  HandlerTimeoutError,
  type LambdaHandler,
  MalformedResultError,
} from "../../../local/lambda-invoker.ts";

type Event = { n: number };
type Result = { doubled: number };

function invokerWith(
  handlers: Record<string, LambdaHandler<Event, Result>>,
  timeoutMs = 1_000,
  now?: () => number,
): ReturnType<typeof createLocalInvoker<string, Event, Result>> {
  return createLocalInvoker<string, Event, Result>({
    ...(now && { now }),
    load: async (name) => {
      const handler = handlers[name];
      if (!handler) throw new Error(`no module for ${name}`);
      return handler;
    },
    timeoutMs,
    region: "eu-west-1",
    isResult: (value): value is Result =>
      typeof value === "object" && value !== null && typeof (value as Result).doubled === "number",
  });
}

describe("the local Lambda invoker", () => {
  it("calls the named handler with the event and a context for that function and request", async () => {
    // The deadline is counted on the invoker's clock: a fake one here, moved by the handler.
    let clock = 5_000_000;
    const remaining: number[] = [];
    const invoker = invokerWith(
      {
        double: async (event, context) => {
          expect(context).toMatchObject({
            functionName: "model-registry-double",
            awsRequestId: "req-1",
            invokedFunctionArn: "arn:aws:lambda:eu-west-1:000000000000:function:model-registry-double",
          });
          remaining.push(context.getRemainingTimeInMillis());
          clock += 250;
          remaining.push(context.getRemainingTimeInMillis());
          clock += 10_000;
          remaining.push(context.getRemainingTimeInMillis());
          return { doubled: event.n * 2 };
        },
      },
      1_000,
      () => clock,
    );
    await expect(invoker.invoke("double", { n: 21 }, { requestId: "req-1" })).resolves.toEqual({
      doubled: 42,
    });
    // The whole timeout at the start, 250 ms less 250 ms later, never below zero.
    expect(remaining).toEqual([1_000, 750, 0]);
  });

  it("rejects with HandlerTimeoutError when the handler outlives the timeout", async () => {
    const invoker = invokerWith({ hang: () => new Promise(() => {}) }, 30);
    const error = await invoker.invoke("hang", { n: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerTimeoutError);
    expect(error).toMatchObject({ handler: "hang", timeoutMs: 30 });
  });

  it("does not let a handler that rejects after its timeout escape as an unhandled rejection", async () => {
    let rejectLate: (error: Error) => void = () => {};
    let started: () => void = () => {};
    const handlerStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const invoker = invokerWith(
      {
        late: () =>
          new Promise((_, reject) => {
            rejectLate = reject;
            started();
          }),
      },
      10,
    );
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", record);
    try {
      const outcome = invoker.invoke("late", { n: 1 });
      await handlerStarted;
      await expect(outcome).rejects.toBeInstanceOf(HandlerTimeoutError);
      // The handler rejects only now, after its timeout. Node reports an unhandled rejection once
      // the microtasks of the current macrotask have run: by the next setImmediate it would have.
      rejectLate(new Error("late"));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", record);
    }
  });

  it("rejects with HandlerFailedError carrying what the handler threw, sync or async", async () => {
    const thrown = new Error("boom");
    const invoker = invokerWith({
      rejects: async () => {
        throw thrown;
      },
      throws: () => {
        throw thrown;
      },
    });
    for (const name of ["rejects", "throws"]) {
      const error = await invoker.invoke(name, { n: 1 }).catch((e: unknown) => e);
      expect(error, name).toBeInstanceOf(HandlerFailedError);
      expect((error as HandlerFailedError).cause, name).toBe(thrown);
    }
  });

  it("rejects with HandlerLoadError carrying why the handler could not be loaded", async () => {
    const error = await invokerWith({})
      .invoke("missing", { n: 1 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HandlerLoadError);
    expect(error).toMatchObject({ handler: "missing" });
    expect(((error as HandlerLoadError).cause as Error).message).toBe("no module for missing");
  });

  it("rejects with MalformedResultError holding a result the caller's check refused", async () => {
    const invoker = invokerWith({ wrong: async () => ({ tripled: 3 }) as unknown as Result });
    const error = await invoker.invoke("wrong", { n: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MalformedResultError);
    expect((error as MalformedResultError).result).toEqual({ tripled: 3 });
  });
});
