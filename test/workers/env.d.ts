// Test bindings on top of the Worker's own (see vitest.config.ts).
import type { D1Migration } from "@cloudflare/vitest-pool-workers";
import type { Env as WorkerEnv } from "../../gateway/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      ADMIN_API_KEY: string;
    }
  }
}
