// Two test projects in one run: "workers" runs inside workerd (gateway, D1, Durable Objects), "node" runs everything else.
import { defineConfig } from "vitest/config";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./gateway/migrations");
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: { TEST_MIGRATIONS: migrations, ADMIN_API_KEY: "test-admin-key-0123456789" },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/workers/**/*.test.ts"],
            setupFiles: ["./test/workers/apply-migrations.ts"],
          },
        },
        {
          test: {
            name: "node",
            environment: "node",
            include: ["test/unit/**/*.test.ts", "test/node/**/*.test.ts", "test/e2e/**/*.test.ts", "test/browser/**/*.test.ts"],
            // The bins run compiled JavaScript (dist-node/): build it from the source under test first.
            globalSetup: ["./test/build-bins.global.ts"],
            testTimeout: 30_000,
            hookTimeout: 60_000,
          },
        },
      ],
    },
  };
});
