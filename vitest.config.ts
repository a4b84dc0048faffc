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
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ADMIN_API_KEY: "test-admin-key-0123456789",
                  // Webhooks to the test receiver on 127.0.0.1, with short backoffs (docs/webhooks.md §4).
                  WEBHOOK_ALLOW_LOOPBACK: "1",
                  WEBHOOK_RETRY_BASE_S: "1",
                  WEBHOOK_RETRY_MAX_S: "1",
                  WEBHOOK_TIMEOUT_MS: "3000",
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/workers/**/*.test.ts"],
            setupFiles: ["./test/workers/apply-migrations.ts"],
            globalSetup: ["./test/webhook-receiver.global.ts"],
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
