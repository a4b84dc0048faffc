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

/** The events both socket kinds (net.Socket, dgram.Socket) share; structural, so this module stays socket-free. */
interface SocketEvents {
  on(event: "error", listener: (err: Error) => void): unknown;
  once(event: "close", listener: () => void): unknown;
}

/**
 * The plumbing TCP and UDP share: handlers, the socket's error and close events, `closed`, an idempotent `close()`.
 * Subclasses only send, receive and say how their socket is torn down.
 */
export abstract class SocketTransport implements ZkTransport {
  abstract readonly kind: "tcp" | "udp";
  protected handlers: TransportHandlers | undefined;
  private isClosed = false;
  private readonly closedPromise: Promise<void>;

  constructor(socket: SocketEvents) {
    socket.on("error", (err) => this.handlers?.error(err));
    this.closedPromise = new Promise((resolve) =>
      socket.once("close", () => {
        this.isClosed = true;
        this.handlers?.close();
        resolve();
      }),
    );
  }

  get closed(): boolean {
    return this.isClosed;
  }

  attach(handlers: TransportHandlers): void {
    this.handlers = handlers;
  }

  abstract send(packet: Uint8Array): void;

  close(): Promise<void> {
    if (!this.isClosed) this.destroySocket();
    return this.closedPromise;
  }

  /** Starts closing the socket; its "close" event then settles `close()`. */
  protected abstract destroySocket(): void;
}
