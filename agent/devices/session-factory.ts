// How the agent opens a ZK session for a relay target; injectable so locks and operations test without sockets.
import type { DeviceTarget } from "../../shared/device";
import type { ZkConnectOptions, ZkSession } from "../zk/types";

/** Opens an authenticated session with one terminal (throws the ZK client's coded errors). */
export type SessionFactory = (target: DeviceTarget) => Promise<ZkSession>;

/** The registry entry as ZK client options: the seed's timeout is in seconds, the client's per packet in ms. */
export function connectOptions(target: DeviceTarget): ZkConnectOptions {
  return {
    host: target.ip,
    port: target.port,
    transport: target.transport,
    commKey: target.password,
    timeoutMs: Math.round(target.timeout * 1000),
  };
}

/** The real client, imported on first use so code that only queues or relays never loads the protocol stack. */
export const defaultSessionFactory: SessionFactory = async (target) => {
  const { connectZk } = await import("../zk");
  return connectZk(connectOptions(target));
};
