// Realtime events (docs/protocol.md §11): EF_ATTLOG to registered sessions, one frame per write, spaced; enrolment events.
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
   * A user was added or changed (USER_WRQ, a batch upload, or the control API): EF_ENROLLUSER with the u16 uid
   * (§11.5) to every session that asked for it — a second client listening for events learns of the new user.
   */
  userEnrolled(uid: number): void {
    const payload = new Uint8Array(2);
    new DataView(payload.buffer).setUint16(0, uid, true);
    this.broadcast(EF.enrollUser, payload);
  }

  /**
   * CMD_STARTENROLL accepted: the person presents the finger three times, as on a real terminal (§10.6): each round
   * is EF_FINGER (finger on the sensor, no data) then EF_FPFTR (1 byte: quality score, 100 = good); after the third,
   * the template is stored and EF_ENROLLFINGER (u16 result 0, u16 template size, user_id, finger) follows. A client
   * that waits for each round (pyzk's enroll_user reads two events per round, three rounds) gets every one of them.
   */
  enroll(uid: number, userId: string, finger: number, roundMs = 40): void {
    const rounds = 3;
    let step = 0;
    const next = () => {
      if (!this.state.hasUid(uid)) return;
      if (step < rounds) {
        this.broadcast(EF.finger, new Uint8Array(0));
        this.broadcast(EF.fpftr, Uint8Array.of(100));
        step++;
        schedule();
        return;
      }
      const template = new Uint8Array(600 + ((uid * 37 + finger * 11) % 600));
      for (let i = 0; i < template.length; i++) template[i] = (i * 131 + uid * 7 + finger) & 0xff;
      template.set([0x53, 0x53, 0x32, 0x31], 2);
      this.state.putTemplate({ uid, finger, flag: 1, template });
      const payload = new Uint8Array(4 + 24 + 1);
      const view = new DataView(payload.buffer);
      view.setUint16(0, 0, true);
      view.setUint16(2, template.length, true);
      payload.set(encodeFixed(userId, 24), 4);
      payload[28] = finger;
      this.broadcast(EF.enrollFinger, payload);
    };
    const schedule = () => setTimeout(next, roundMs).unref();
    schedule();
  }
}
