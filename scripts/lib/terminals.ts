// Simulated terminals for the demo and the e2e tests: generated staff plus a known person (the seed's user 123).
import { startSimulator } from "../../agent/zk/sim";
import type { Simulator, SimulatorOptions } from "../../agent/zk/sim/types";

/** The user of the seed's examples. */
export const SEED_USER_ID = "123";

export interface PersonSpec {
  userId: string;
  name: string;
  /** Fingers (0-9) to give templates; their bytes are copied from the terminal's own data when it has any. */
  fingers?: number[];
  /** Punches to log, newest last, one a day ending yesterday (device clock), in at 08:0x and out at 17:3x. */
  days?: number;
  card?: number;
}

/** Adds a person with templates and attendance to a running simulator; returns the uid it got. */
export function addPerson(sim: Simulator, person: PersonSpec): number {
  const users = sim.state.users();
  const uid = users.reduce((max, u) => Math.max(max, u.uid), 0) + 1;
  // ZK6 (28-byte) records keep only 8 name bytes (docs/protocol.md §8.4).
  const name = sim.profile === "zk6" ? person.name.slice(0, 8) : person.name;
  sim.addUser({ uid, userId: person.userId, name, privilege: 0, card: person.card ?? 0, group: 1 });
  const samples = sim.state.templates();
  for (const [i, finger] of (person.fingers ?? []).entries()) {
    const sample = samples[i % Math.max(1, samples.length)]?.template ?? syntheticTemplate(uid * 10 + finger);
    // A distinct template per finger: same length as a real one, first bytes tagged with uid and finger.
    const template = sample.slice();
    template[template.length - 1] = (uid + finger) & 0xff;
    sim.addTemplate({ uid, finger, flag: 1, template });
  }
  const today = new Date();
  for (let d = person.days ?? 0; d >= 1; d--) {
    const day = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - d));
    const date = { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() };
    sim.addAttendance({ uid, userId: person.userId, status: 1, punch: 0, time: { ...date, hour: 8, minute: d % 10, second: 0 } });
    sim.addAttendance({ uid, userId: person.userId, status: 1, punch: 1, time: { ...date, hour: 17, minute: 30 + (d % 10), second: 0 } });
  }
  return uid;
}

function syntheticTemplate(seed: number): Uint8Array {
  const bytes = new Uint8Array(512);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

export interface TerminalSpec extends SimulatorOptions {
  /** People added after the generated staff (e.g. the seed's user 123). */
  people?: PersonSpec[];
}

/** Starts a simulator on 127.0.0.1 (port 0 unless given) and adds `people`. */
export async function startTerminal(spec: TerminalSpec): Promise<Simulator> {
  const { people = [], ...options } = spec;
  const sim = await startSimulator({ host: "127.0.0.1", port: 0, ...options });
  for (const person of people) addPerson(sim, person);
  return sim;
}

/** The demo's two terminals (docs/development.md §1): principal (TFT, TCP, 50 users) and entrada (ZK6, UDP, comm key). */
export const DEMO_TERMINALS = {
  principal: {
    transport: "tcp",
    sim: {
      profile: "tft",
      users: 49,
      records: 2000,
      templates: 90,
      people: [{ userId: SEED_USER_ID, name: "Ana Pérez", fingers: [0, 1], days: 10, card: 4242 }],
    },
  },
  entrada: {
    transport: "udp",
    sim: {
      profile: "zk6",
      commKey: 1234,
      users: 29,
      records: 600,
      templates: 40,
      seed: 2,
      people: [{ userId: SEED_USER_ID, name: "Ana Perez", fingers: [0], days: 5 }],
    },
  },
} satisfies Record<string, { transport: "tcp" | "udp"; sim: TerminalSpec }>;
