// The ZK protocol client: connect, scoped sessions, and the pieces benchmarks and tests reach for.
export { connectZk, DEFAULT_TIMEOUT_MS, type ZkClientConnectOptions } from "./client";
export { openZkSession, withZkSession, type OpenedSession, type SessionScopeOptions } from "./session";
export { ZkClient, DISABLE_TIMEOUT_SEC, type ZkClientOptions } from "./zk-client";
export type { ZkAttendanceReadOptions } from "./tables";
export { Exchange, ZkConnection, type EventListener } from "./connection";
export { bulkRead, DEFAULT_CHUNK, DEFAULT_PIPELINE, type BulkReadOptions } from "./bulk-read";
export { uploadBuffer } from "./upload";
