// The ZK protocol client: connect, scoped sessions, and the pieces benchmarks and tests reach for.
export { connectZk, DEFAULT_TIMEOUT_MS, type ZkClientConnectOptions } from "./client";
export { openZkSession, withZkSession, REENABLE_BUDGET_MS, type OpenedSession, type SessionScopeOptions } from "./session";
export { ZkClient, DISABLE_TIMEOUT_SEC, type ZkClientOptions } from "./zk-client";
export { MAX_TEMPLATE_BYTES, type ZkAttendanceReadOptions } from "./tables";
export { Exchange, ZkConnection, type EventListener, type ZkConnectionOptions } from "./connection";
export { bulkRead, DEFAULT_CHUNK, DEFAULT_PIPELINE, MAX_TABLE_BYTES, type BulkReadLimit, type BulkReadOptions } from "./bulk-read";
export { uploadBuffer } from "./upload";
