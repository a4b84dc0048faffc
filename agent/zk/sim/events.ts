// Realtime events (zk-protocol §11): EF_ATTLOG to registered sessions, one frame per write, spaced; enrolment events.
import type { ZkAttendance } from "../types";
import { EF, encodeAttLogEvent, encodeFixed, eventPacket } from "../codec";
import type { ResolvedOptions } from "./options";
import type { SessionTable } from "./session";
import type { DeviceState } from "./state";

/** Gap before each event so two events never share a TCP segment (pyzk parses one event per recv, §11.3). */
const EVENT_GAP_MS = 5;

export class EventHub {
  constructor(
    private readonly opts: ResolvedOptions,
    private readonly state: DeviceState,
    private readonly sessions: SessionTable,
  ) {}

  /** Sends event `code` with `payload` to every live session whose CMD_REG_EVENT mask has that bit. */
  broadcast(code: number, payload: Uint8Array): number {
    let n = 0;
    for (const s of this.sessions.all()) {
      if ((s.eventMask & code) === 0 || !s.authenticated || s.link.closed) continue;
      // Session field = event code, reply id 0 (§11.2).
      s.link.send([{ packet: eventPacket(code, payload), gapMs: EVENT_GAP_MS }]);
      n++;
    }
    return n;
  }

  /**
   * A punch at the terminal: logged, then sent as EF_ATTLOG. A disabled terminal takes no punches (§4.4), so
   * nothing happens then. Defaults: a stored user (the first), now, fingerprint, check-in.
   */
  attendance(rec: Partial<ZkAttendance> = {}): ZkAttendance | undefined {
    if (!this.state.enabled) return undefined;
    const users = this.state.users();
    const who = rec.userId !== undefined ? users.find((u) => u.userId === rec.userId) : rec.uid !== undefined ? users.find((u) => u.uid === rec.uid) : users[0];
    const full: ZkAttendance = {
      uid: rec.uid ?? who?.uid ?? 0,
      userId: rec.userId ?? who?.userId ?? "0",
      time: rec.time ?? this.state.now(),
      status: rec.status ?? 1,
      punch: rec.punch ?? 0,
    };
    this.state.addAttendance(full);
    this.broadcast(EF.attLog, encodeAttLogEvent(full, this.opts.eventForm));
    return full;
  }

  /**
   * CMD_STARTENROLL accepted: after a moment the "finger" is scanned, a template stored, and EF_FINGER /
   * EF_ENROLLFINGER (u16 result 0, u16 size, user_id, finger — §10.6, §11.5) go to sessions that asked for them.
   */
  enroll(uid: number, userId: string, finger: number, delayMs = 50): void {
    const timer = setTimeout(() => {
      if (!this.state.hasUid(uid)) return;
      const template = new Uint8Array(600 + ((uid * 37 + finger * 11) % 600));
      for (let i = 0; i < template.length; i++) template[i] = (i * 131 + uid * 7 + finger) & 0xff;
      template.set([0x53, 0x53, 0x32, 0x31], 2);
      this.state.putTemplate({ uid, finger, flag: 1, template });
      this.broadcast(EF.finger, new Uint8Array(0));
      const payload = new Uint8Array(4 + 24 + 1);
      const view = new DataView(payload.buffer);
      view.setUint16(0, 0, true);
      view.setUint16(2, template.length, true);
      payload.set(encodeFixed(userId, 24), 4);
      payload[28] = finger;
      this.broadcast(EF.enrollFinger, payload);
    }, delayMs);
    timer.unref();
  }
}
