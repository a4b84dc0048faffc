// A job on a terminal's queue: what its submitter may ask for, what it may ask of the worker while it runs.
import type { CodedError } from "../../shared/errors";
import type { DeviceTarget } from "../../shared/device";
import type { ZkSession } from "../zk/types";

export interface JobOptions {
  /** Aborted when nobody will read the answer (the link that carried the request closed): a waiting job is dropped. */
  signal?: AbortSignal;
  /** The job disables the terminal itself (a write): a burst of such jobs keeps the terminal disabled between them. */
  mutates?: boolean;
  /**
   * Asks whoever waits for the job's answer to wait until a later deadline (epoch ms): called while the job waits
   * behind a long job, which also moves the job's own deadline (docs/relay.md §4). Absent: the deadline is fixed.
   */
  extend?: (deadline: number) => void;
}

/** What a running job may ask of its worker. */
export interface JobContext {
  /** Replaces the job's broken session with a fresh one to the same terminal (the worker closes both later). */
  reconnect(): Promise<ZkSession>;
  /** Writes waiting behind this job; they will run on the same session with the terminal still disabled (a burst). */
  queuedWrites(): number;
  /**
   * This job expects to hold the terminal until `until` (epoch ms; a large log being read): the jobs waiting behind
   * it that can extend their deadline keep the time they were given, counted from then (docs/relay.md §4).
   */
  expectBusyUntil(until: number): void;
}

export type JobFn<T> = (session: ZkSession, job: JobContext) => Promise<T>;

/**
 * A watched terminal (docs/events.md §4): its session stays open between jobs, and the watcher hears of each new
 * session (to register for events and catch up) and of each ENABLE (after which events must be registered again).
 * Both get the raw session, are awaited inside the worker's turn, and may throw (the session is then dropped).
 */
export interface LiveHooks {
  onSession(session: ZkSession): Promise<void>;
  onEnabled(session: ZkSession): Promise<void>;
}

/** A queued job as the worker keeps it. */
export interface Job {
  target: DeviceTarget;
  deadline: number;
  /** The time the job was given when it was queued (its first deadline minus then): kept when it is extended. */
  budgetMs: number;
  extend?: (deadline: number) => void;
  run: JobFn<unknown>;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
  mutates: boolean;
  signal?: AbortSignal;
  timer?: ReturnType<typeof setTimeout>;
  onAbort?: () => void;
  /** Takes the job out of the queue with `err` (no-op once it left the queue). */
  drop?: (err: CodedError) => void;
}
