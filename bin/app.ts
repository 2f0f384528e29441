import { registryApp } from "../lib/app.ts";
import { readRegistryConfig } from "../lib/registry-config.ts";
import { addRegistryStacks } from "../lib/registry-stacks.ts";

// Context keys (all optional), e.g. `npx cdk synth -c stackPrefix=ModelRegistryDev`: see the
// README's "Configuration (CDK context)" table and lib/registry-config.ts.
const app = registryApp();
const config = readRegistryConfig(app.node);
// Environment-agnostic, except that a customer-managed table key needs the region.
const env = config.customerManagedKey
  ? { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION }
  : undefined;
addRegistryStacks(app, config, env);
