import { App } from "aws-cdk-lib";
import { readRegistryConfig } from "../lib/registry-config.ts";
import { addRegistryStacks } from "../lib/registry-stacks.ts";

// Context keys (all optional), e.g. `npx cdk synth -c stackPrefix=ModelRegistryDev`:
// stackPrefix, eventSource, busName, eventArchiveRetentionDays, functionLogRetentionDays,
// accessLogRetentionDays, apiThrottleRateLimit, apiThrottleBurstLimit, apiCloudWatchRole, webhooks
// (a JSON array of {name, endpoint, pattern, secretName}: see lib/webhook-targets.ts),
// approvalTimeoutSeconds (how long a stage transition waits for approvals; default 7 days).
const app = new App();
addRegistryStacks(app, readRegistryConfig(app.node));
