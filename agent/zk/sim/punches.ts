// `--punch-every`: people punching at the terminal — a random user, a usual verify mode and state — on a timer.
import type { ZkAttendance } from "../types";
import type { EventHub } from "./events";
import type { DeviceState } from "./state";

/** Verify modes as terminals log them (docs/protocol.md §9.2), weighted as a fingerprint terminal sees them. */
const STATUSES = [1, 1, 1, 1, 15, 4, 0] as const;

/**
 * Every `everyMs` one stored user punches: logged and sent as EF_ATTLOG (EventHub.attendance), exactly as a punch at
 * the keypad would be — nothing while the terminal is disabled. The first punch comes after a random part of the
 * interval, so several simulators started together do not punch in step.
 */
export class PunchClock {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  /** Punches made so far (a disabled terminal's skipped turns are not counted). */
  count = 0;

  constructor(
    private readonly events: EventHub,
    private readonly state: DeviceState,
    private readonly everyMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  start(): void {
    this.schedule(this.everyMs * (0.25 + 0.75 * this.random()));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One punch now, by a random user; undefined when nobody can punch (no users, or the terminal is disabled). */
  punch(): ZkAttendance | undefined {
    const users = this.state.users();
    if (users.length === 0) return undefined;
    const who = users[Math.floor(this.random() * users.length)]!;
    const status = STATUSES[Math.floor(this.random() * STATUSES.length)]!;
    try {
      const rec = this.events.attendance({ uid: who.uid, userId: who.userId, status, punch: this.random() < 0.5 ? 0 : 1 });
      if (rec) this.count++;
      return rec;
    } catch {
      // A user_id the configured event form cannot carry (12-byte events are numeric only): that person cannot punch.
      return undefined;
    }
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.punch();
      this.schedule(this.everyMs);
    }, ms);
    this.timer.unref?.();
  }
}
