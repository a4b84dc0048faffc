// Public API of the ZK layer: client, scoped sessions, errors, types and the pure codec as a namespace.
export * from "./client";
export * from "./errors";
export type * from "./types";
export * as codec from "./codec";
