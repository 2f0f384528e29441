/**
 * Starts the artifact verifier with an asynchronous Lambda invoke (`InvocationType: Event`): the
 * seal answers 202 at once, Lambda queues the event and retries a failed run twice. Local mode
 * points the same client at its in-process Lambda endpoint (`local/lambda-service.ts`).
 */
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { traceClient } from "#adapters/tracing.ts";
import type { ArtifactVerification, VerificationRequest } from "#core/ports.ts";

export class LambdaArtifactVerification implements ArtifactVerification {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async start(request: VerificationRequest): Promise<void> {
    const { StatusCode, FunctionError } = await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: "Event",
        Payload: new TextEncoder().encode(JSON.stringify(request)),
      }),
    );
    if (StatusCode !== 202 || FunctionError) {
      throw new Error(
        `Lambda did not queue ${this.functionName} (status ${StatusCode}, ${FunctionError ?? "no error"})`,
      );
    }
  }
}

/** The adapter with its own client: how `buildCore()` makes it, on first use. */
export const createLambdaArtifactVerification = (functionName: string): ArtifactVerification =>
  new LambdaArtifactVerification(traceClient(new LambdaClient({})), functionName);
