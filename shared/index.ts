// Re-exports of the schemas and types both gateway and agent use.
export * from "./errors";
export * from "./device";
export * from "./ops";
export * from "./budget";
export * from "./relay";
export * from "./messages";
export * from "./events";
