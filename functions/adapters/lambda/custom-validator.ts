/**
 * Runs a policy's custom validation function with a synchronous (RequestResponse) Lambda invoke
 * and reads its answer, `{passed, checks?}`. A function that fails, or answers anything else,
 * makes `validate` throw with a short reason: the core records it as a failed check.
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import * as z from "zod/mini";
import { traceClient } from "#adapters/tracing.ts";
import type { CustomValidationAnswer, CustomValidationRequest, CustomValidator } from "#core/ports.ts";
import { ValidationCheck } from "#core/schemas.ts";

const Answer = z.object({ passed: z.boolean(), checks: z.optional(z.array(ValidationCheck)) });

/** Reasons end up in a validation report: long enough to explain, short enough to read. */
const MAX_REASON = 300;

export class LambdaCustomValidator implements CustomValidator {
  constructor(private readonly client: LambdaClient) {}

  async validate(functionArn: string, request: CustomValidationRequest): Promise<CustomValidationAnswer> {
    const { FunctionError, Payload } = await this.client.send(
      new InvokeCommand({
        FunctionName: functionArn,
        InvocationType: "RequestResponse",
        Payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
    );
    const text = Payload ? new TextDecoder().decode(Payload) : "";
    if (FunctionError) {
      throw new Error(`the function failed (${FunctionError}): ${short(errorMessageOf(text))}`);
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new Error(`the function answered something that is not JSON: ${short(text)}`);
    }
    const answer = Answer.safeParse(body);
    if (!answer.success) {
      throw new Error(`the function answered ${short(text)}, not {passed: boolean, checks?: [...]}`);
    }
    return answer.data;
  }
}

/** Lambda's error payload is `{errorType, errorMessage, trace}`; fall back to the raw text. */
function errorMessageOf(text: string): string {
  try {
    const parsed = JSON.parse(text) as { errorType?: unknown; errorMessage?: unknown };
    if (typeof parsed.errorMessage === "string") {
      return typeof parsed.errorType === "string"
        ? `${parsed.errorType}: ${parsed.errorMessage}`
        : parsed.errorMessage;
    }
  } catch {
    // not JSON: the text itself
  }
  return text || "no details";
}

function short(text: string): string {
  return text.length > MAX_REASON ? `${text.slice(0, MAX_REASON)}…` : text;
}

/** The adapter with its own client: how `buildCore()` makes it, on first use. */
export const createLambdaCustomValidator = (): CustomValidator =>
  new LambdaCustomValidator(traceClient(new LambdaClient({})));
