// Errors the simulator throws at start-up (bad options, bad data file, ports); each carries a stable code.

export type SimErrorCode = "SIM_INVALID_OPTIONS" | "SIM_DATA_INVALID" | "SIM_BIND_FAILED";

/** A simulator start-up failure with a stable `code`. */
export class SimError extends Error {
  constructor(
    readonly code: SimErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SimError";
  }
}
