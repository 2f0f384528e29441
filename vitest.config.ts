import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Against a real deployment only: `npm run test:deployed` (vitest.deployed.config.ts).
    exclude: [...configDefaults.exclude, "test/deployed/**"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    allowOnly: false,
    // Handler bundles local mode builds (`bundles`, local/handler-modules.ts) are imported by
    // Node itself, as Lambda imports them, not rewritten by Vite's module runner first.
    server: { deps: { external: [/\/model-registry-bundles-[^/]+\//] } },
    projects: [
      // The unit suite runs twice, with the wall clock moved decades ahead and decades back
      // (test/support/shifted-wall-clock.ts): no unit test may depend on today's date.
      ...(["ahead", "back"] as const).map((direction) => ({
        extends: true as const,
        test: {
          name: `unit (clock ${direction})`,
          include: ["test/unit/**/*.test.ts"],
          env: { REGISTRY_TEST_WALL_CLOCK: direction },
          setupFiles: ["test/support/shifted-wall-clock.ts"],
        },
      })),
      {
        extends: true,
        test: {
          name: "rest",
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**", "test/deployed/**"],
          // One local registry for the integration tests, started by this project only: a
          // globalSetup inherited by every project started one registry per project.
          globalSetup: ["test/integration/global-setup.ts"],
        },
      },
    ],
  },
});
