import { defineConfig } from "vitest/config";

// `npm run test:deployed`: the contract suite against a real deployment (test/deployed). No
// global setup: it talks to AWS, not to local mode. Without REGISTRY_DEPLOYED_URL and AWS
// credentials the suite says it did not run and passes nothing off as tested.
export default defineConfig({
  test: {
    include: ["test/deployed/**/*.test.ts"],
    testTimeout: 15 * 60_000,
    hookTimeout: 5 * 60_000,
    pool: "forks",
    allowOnly: false,
    // Every test is skipped when the suite is not configured: that is a clean "not run".
    passWithNoTests: true,
  },
});
