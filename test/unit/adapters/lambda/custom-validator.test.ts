import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { describe, expect, it } from "vitest";
import { LambdaCustomValidator } from "#adapters/lambda/custom-validator.ts";
import type { CustomValidationRequest } from "#core/ports.ts";

const REQUEST: CustomValidationRequest = {
  model: "churn",
  version: 3,
  transitionId: "tr-1",
  from: "staging",
  to: "production",
  modelVersion: { version: 3 },
};
const ARN = "arn:aws:lambda:us-east-1:123456789012:function:check-fairness";

function validatorAnswering(answer: { FunctionError?: string; payload?: string }) {
  const sent: InvokeCommand[] = [];
  const client = {
    send: async (command: InvokeCommand) => {
      sent.push(command);
      return {
        StatusCode: 200,
        FunctionError: answer.FunctionError,
        Payload: answer.payload === undefined ? undefined : new TextEncoder().encode(answer.payload),
      };
    },
  } as unknown as LambdaClient;
  return { validator: new LambdaCustomValidator(client), sent };
}

describe("the Lambda custom validator", () => {
  it("invokes the function synchronously with the request and returns its answer", async () => {
    const checks = [{ check: "fairness", expected: ">= 0.8", actual: "0.91", passed: true }];
    const { validator, sent } = validatorAnswering({ payload: JSON.stringify({ passed: true, checks }) });
    expect(await validator.validate(ARN, REQUEST)).toEqual({ passed: true, checks });
    expect(sent[0]).toBeInstanceOf(InvokeCommand);
    expect(sent[0]!.input.FunctionName).toBe(ARN);
    expect(sent[0]!.input.InvocationType).toBe("RequestResponse");
    expect(JSON.parse(new TextDecoder().decode(sent[0]!.input.Payload as Uint8Array))).toEqual(REQUEST);
  });

  it("throws a short reason when the function fails", async () => {
    const { validator } = validatorAnswering({
      FunctionError: "Unhandled",
      payload: JSON.stringify({ errorType: "TypeError", errorMessage: "x is undefined", trace: ["…"] }),
    });
    await expect(validator.validate(ARN, REQUEST)).rejects.toThrow(
      "the function failed (Unhandled): TypeError: x is undefined",
    );
  });

  it.each([
    ["not JSON", "ok", /not JSON/],
    ["without passed", JSON.stringify({ ok: true }), /not \{passed: boolean/],
    ["with malformed checks", JSON.stringify({ passed: true, checks: [{ check: "x" }] }), /not \{passed/],
    ["a huge answer, cut short", JSON.stringify({ passed: "yes", pad: "p".repeat(5000) }), /…, not \{passed/],
  ])("throws when the function answers %s", async (_, payload, reason) => {
    const { validator } = validatorAnswering({ payload });
    await expect(validator.validate(ARN, REQUEST)).rejects.toThrow(reason);
  });
});
