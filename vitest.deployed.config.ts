import { defineConfig } from "vitest/config";

// The contract suite against a real deployment (test/deployed). Run it with `npm run
// test:deployed` (test/deployed/run.ts): without REGISTRY_DEPLOYED_URL, AWS_REGION and credentials
// from the default chain it prints NOT RUN and exits 78 (0 with --allow-not-run). No global
// setup: it talks to AWS, not to local mode. Run directly, an unconfigured suite fails.
export default defineConfig({
  test: {
    include: ["test/deployed/**/*.test.ts"],
    testTimeout: 15 * 60_000,
    hookTimeout: 5 * 60_000,
    pool: "forks",
    allowOnly: false,
  },
});
