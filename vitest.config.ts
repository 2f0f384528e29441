import { configDefaults, defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Against a real deployment only: `npm run test:deployed` (vitest.deployed.config.ts).
    exclude: [...configDefaults.exclude, "test/deployed/**"],
    globalSetup: ["test/integration/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    allowOnly: false,
    // Handler bundles local mode builds (`bundles`, local/handler-modules.ts) are imported by
    // Node itself, as Lambda imports them, not rewritten by Vite's module runner first.
    server: { deps: { external: [/\/model-registry-bundles-[^/]+\//] } },
  },
});
