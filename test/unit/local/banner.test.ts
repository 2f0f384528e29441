import { describe, expect, it } from "vitest";
import { type BannerInput, formatBanner } from "../../../local/banner.ts";
import { builtInPrincipals, type LocalPrincipal } from "../../../local/principals.ts";

const ci: LocalPrincipal = {
  name: "ci",
  role: "reader",
  accessKeyId: "AKIALOCALCI000000001",
  secretAccessKey: "secret",
  arn: "arn:aws:iam::000000000000:user/ci",
  userId: "AIDALOCALCI000000001",
};

const registry: BannerInput = {
  endpoint: "http://127.0.0.1:8787",
  region: "us-east-1",
  tableName: "model-registry",
  bucket: "model-registry-artifacts",
  s3Endpoint: "http://127.0.0.1:4569",
  dynamoEndpoint: "http://127.0.0.1:8000",
  lambdaEndpoint: "http://127.0.0.1:41000",
  workersIdle: async () => {},
  principals: [...builtInPrincipals, ci],
  dataDir: undefined,
  stop: async () => {},
};

describe("the start-up banner", () => {
  it("shows each principal's role beside its ARN", () => {
    const banner = formatBanner(registry, 1_800);
    expect(banner).toContain("  publisher  role publisher  arn:aws:iam::000000000000:user/publisher");
    expect(banner).toContain("  ci         role reader     arn:aws:iam::000000000000:user/ci");
  });

  it("names the deployment's own functions it runs, or how to give it some", () => {
    expect(formatBanner({ ...registry, customFunctions: {} }, 1_800)).toContain(
      "  Lambda        none of yours (REGISTRY_LOCAL_FUNCTIONS names a file of them",
    );
    const banner = formatBanner(
      { ...registry, customFunctions: { "fairness-check": "/work/checks/fairness.mjs" } },
      1_800,
    );
    expect(banner).toContain("  Lambda        fairness-check → /work/checks/fairness.mjs\n");
  });

  it("gives the web console's address when the registry serves it", () => {
    expect(formatBanner({ ...registry, consoleUrl: "http://127.0.0.1:8787/console/" }, 1_800)).toContain(
      "  Web console   http://127.0.0.1:8787/console/  (pick a local principal on the page; this machine only)\n",
    );
    expect(formatBanner(registry, 1_800)).not.toContain("Web console");
  });
});
