import { Stack } from "aws-cdk-lib";
import { Match, Template } from "aws-cdk-lib/assertions";
import { EventBus } from "aws-cdk-lib/aws-events";
import { describe, expect, it } from "vitest";
import { DEPLOY_PIPELINE_RULE } from "#core/events/catalog.ts";
import { registryApp } from "../../lib/app.ts";
import { readRegistryConfig } from "../../lib/registry-config.ts";
import { cdkEventPattern, WEBHOOK_TOKEN_HEADER, WebhookTargets } from "../../lib/webhook-targets.ts";

const deploy = {
  name: "deploys",
  endpoint: "https://deploy.example.com/hooks/registry",
  pattern: DEPLOY_PIPELINE_RULE,
  secretName: "registry/deploy-webhook-token",
};

function synth(webhooks = [deploy]) {
  const stack = new Stack(registryApp(), "Test");
  new WebhookTargets(stack, "Webhooks", { bus: new EventBus(stack, "Bus"), webhooks });
  return Template.fromStack(stack);
}

describe("webhook targets (EventBridge API destinations for consumers outside AWS)", () => {
  it("POST matching events to the endpoint with the token header from Secrets Manager", () => {
    const template = synth();
    template.hasResourceProperties("AWS::Events::Connection", {
      AuthorizationType: "API_KEY",
      AuthParameters: { ApiKeyAuthParameters: { ApiKeyName: WEBHOOK_TOKEN_HEADER } },
    });
    template.hasResourceProperties("AWS::Events::ApiDestination", {
      InvocationEndpoint: deploy.endpoint,
      HttpMethod: "POST",
    });
  });

  it("on the registry bus, with the deploy-pipeline pattern, retries and a dead-letter queue", () => {
    const template = synth();
    template.hasResourceProperties("AWS::Events::Rule", {
      EventBusName: Match.anyValue(),
      EventPattern: {
        source: ["model-registry"],
        "detail-type": ["Model Version Stage Changed"],
        detail: { to: ["production"] },
      },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
    template.hasResourceProperties("AWS::SQS::Queue", { SqsManagedSseEnabled: true });
  });

  it("create nothing when no webhook is configured", () => {
    const template = synth([]);
    expect(Object.keys(template.findResources("AWS::Events::Connection"))).toEqual([]);
    expect(Object.keys(template.findResources("AWS::SQS::Queue"))).toEqual([]);
  });

  it("read from context as a JSON string, and refuse a plain-http endpoint with the entry named", () => {
    const node = (context: Record<string, unknown>) => registryApp({ context }).node;
    expect(readRegistryConfig(node({ webhooks: JSON.stringify([deploy]) })).webhooks).toEqual([deploy]);
    expect(() =>
      readRegistryConfig(node({ webhooks: [{ ...deploy, endpoint: "http://deploy.example.com" }] })),
    ).toThrow("context 'webhooks' entry 0 ('deploys'): endpoint must be an https:// URL");
  });

  it("translate EventBridge's JSON keys to CDK's, and refuse keys EventBridge does not match on", () => {
    expect(cdkEventPattern({ "detail-type": ["x"], source: ["y"] })).toEqual({
      detailType: ["x"],
      source: ["y"],
    });
    expect(() => cdkEventPattern({ detail_type: ["x"] })).toThrow("'detail_type'");
  });
});
