// The socket-free contract between the ZK connection and its TCP/UDP transports.

/** What a transport reports upward: whole ZK packets, a fatal error, and the end of the socket. */
export interface TransportHandlers {
  packet(bytes: Uint8Array): void;
  /** Fatal: the stream cannot continue (bad framing, socket error). `close` follows. */
  error(err: Error): void;
  close(): void;
}

/** One socket to one terminal that carries whole ZK packets. */
export interface ZkTransport {
  readonly kind: "tcp" | "udp";
  readonly closed: boolean;
  attach(handlers: TransportHandlers): void;
  send(packet: Uint8Array): void;
  /** Closes the socket; resolves once it is closed. Safe to call twice. */
  close(): Promise<void>;
}
