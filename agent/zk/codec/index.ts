// The pure ZK codec (no sockets, timers or logs): everything the client and the simulator share.
export * from "./constants";
export * from "./bytes";
export * from "./checksum";
export * from "./packet";
export * from "./tcp-frame";
export * from "./comm-key";
export * from "./time";
export * from "./table";
export * from "./user";
export * from "./attendance";
export * from "./template";
export * from "./free-sizes";
export * from "./commands";
export * from "./event";
export { ZkProtocolError } from "../errors";
