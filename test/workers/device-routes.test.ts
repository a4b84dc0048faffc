// Device routes relayed to a fake agent: the seed's delete bodies pinned, every op's success and error shapes.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { AgentFailure, call, createDevice, createSite, deletedUser, fakeAgent, json, user, type FakeAgent } from "./helpers";

let agent: FakeAgent;
const TIME = "2024-05-06 07:08:09";

beforeAll(async () => {
  const site = await createSite("norte");
  await createDevice({ id: "principal", site: site.id, password: 4321, port: 4370 });
  await createDevice({ id: "entrada", site: site.id, port: 4371, transport: "udp" });
  agent = await fakeAgent(site);
});
afterAll(() => agent.close());
beforeEach(() => {
  agent.requests.length = 0;
  for (const k of Object.keys(agent.handlers)) delete agent.handlers[k];
});

describe("DELETE /devices/{id}/users/{user_id} — the seed", () => {
  test("200: exactly the seed's body", async () => {
    agent.handlers["users.delete"] = (args) => deletedUser(args.user_id);
    const r = await json("DELETE", "/devices/principal/users/123");
    expect(r.status).toBe(200);
    expect(r.text).toMatchInlineSnapshot(`"{"success":true,"message":"Usuario '123' eliminado."}"`);
    expect(agent.calls("users.delete").map((f) => f.args)).toEqual([{ user_id: "123" }]);
  });

  test("user not found: 404 with the seed's text and a code", async () => {
    agent.handlers["users.delete"] = () => {
      throw new AgentFailure("USER_NOT_FOUND", "user 123 is not on the device");
    };
    const r = await json("DELETE", "/devices/principal/users/123");
    expect(r.status).toBe(404);
    expect(r.text).toMatchInlineSnapshot(`"{"success":false,"error":"Usuario '123' no encontrado.","code":"USER_NOT_FOUND"}"`);
    const en = await json("DELETE", "/devices/principal/users/123", { headers: { "accept-language": "en" } });
    expect(en.text).toMatchInlineSnapshot(`"{"success":false,"error":"User '123' not found.","code":"USER_NOT_FOUND"}"`);
  });

  test("device not found: 404 with disponibles, sorted; the agent is not asked", async () => {
    const r = await json("DELETE", "/devices/bodega/users/123");
    expect(r.status).toBe(404);
    expect(r.text).toMatchInlineSnapshot(
      `"{"success":false,"error":"Dispositivo 'bodega' no encontrado.","disponibles":["entrada","principal"],"code":"DEVICE_NOT_FOUND"}"`,
    );
    const en = await json("DELETE", "/devices/bodega/users/123", { headers: { "accept-language": "en" } });
    expect(en.body.error).toBe("Device 'bodega' not found.");
    expect(agent.requests).toHaveLength(0);
  });

  test("device error: 500 with the agent's text passed through", async () => {
    agent.handlers["users.delete"] = (_args, req) => {
      throw new AgentFailure("DEVICE_UNREACHABLE", `Connection timeout to device ${req.device.ip}:${req.device.port}`);
    };
    const r = await json("DELETE", "/devices/principal/users/123");
    expect(r.status).toBe(500);
    expect(r.text).toMatchInlineSnapshot(
      `"{"success":false,"error":"Connection timeout to device 127.0.0.1:4370","code":"DEVICE_UNREACHABLE"}"`,
    );
  });

  test("unreachable: details.reason (timeout | refused | dns) is shown beside the seed's text; other agent details are not", async () => {
    for (const reason of ["timeout", "refused", "dns"]) {
      agent.handlers["users.delete"] = (_args, req) => {
        throw new AgentFailure("DEVICE_UNREACHABLE", `Connection timeout to device ${req.device.ip}:${req.device.port}`, { reason, addr: "x" });
      };
      const r = await json("DELETE", "/devices/principal/users/123");
      expect(r.status).toBe(500);
      expect(r.body).toEqual({ success: false, error: "Connection timeout to device 127.0.0.1:4370", details: { reason }, code: "DEVICE_UNREACHABLE" });
    }
    agent.handlers["device.ping"] = () => {
      throw new AgentFailure("DEVICE_UNREACHABLE", "Connection timeout to device 127.0.0.1:4371", { reason: "dns" });
    };
    const ping = await json("GET", "/devices/entrada/ping");
    expect(ping.status).toBe(503);
    expect(ping.body).toMatchObject({ details: { reason: "dns" }, code: "DEVICE_UNREACHABLE", data: { reachable: false } });
  });

  test("the relay request carries the registry's target, comm key included (only to the agent)", async () => {
    agent.handlers["users.delete"] = (args) => deletedUser(args.user_id);
    await json("DELETE", "/devices/principal/users/123");
    const [req] = agent.calls("users.delete");
    expect(req.device).toEqual({ id: "principal", ip: "127.0.0.1", port: 4370, transport: "tcp", password: 4321, timeout: 5 });
  });
});

describe("ping, info, time", () => {
  test("ping: reachable with the device time", async () => {
    agent.handlers["device.ping"] = () => ({ time: TIME });
    const r = await json("GET", "/devices/principal/ping");
    expect(r.body).toEqual({ success: true, data: { reachable: true, time: TIME } });
  });

  test("ping: unreachable → 503 with reachable false", async () => {
    agent.handlers["device.ping"] = () => {
      throw new AgentFailure("DEVICE_UNREACHABLE", "Connection timeout to device 127.0.0.1:4371");
    };
    const r = await json("GET", "/devices/entrada/ping");
    expect(r.status).toBe(503);
    expect(r.text).toMatchInlineSnapshot(
      `"{"success":false,"error":"Connection timeout to device 127.0.0.1:4371","code":"DEVICE_UNREACHABLE","data":{"reachable":false}}"`,
    );
    expect(agent.calls("device.ping")[0].device).toMatchObject({ id: "entrada", port: 4371, transport: "udp", password: 0 });
  });

  test("info", async () => {
    const info = {
      serial: "ABC123",
      platform: "ZEM560",
      firmware: "Ver 6.60",
      name: "F18",
      mac: "00:17:61:00:00:01",
      fp_version: "10",
      counts: { users: 2, fingers: 3, records: 40 },
      capacity: { users: 3000, fingers: 3000, records: 100000 },
      time: TIME,
    };
    agent.handlers["device.info"] = () => info;
    const r = await json("GET", "/devices/principal/info");
    expect(r.body).toEqual({ success: true, data: info });
  });

  test("time and sync-time (with and without a body)", async () => {
    agent.handlers["time.get"] = () => ({ time: TIME });
    agent.handlers["time.sync"] = (args) => ({ time: args.time ?? "2024-01-01 00:00:00" });
    expect((await json("GET", "/devices/principal/time")).body).toEqual({ success: true, data: { time: TIME } });
    const noBody = await json("POST", "/devices/principal/sync-time");
    expect(noBody.body).toEqual({ success: true, message: "Hora sincronizada: 2024-01-01 00:00:00.", data: { time: "2024-01-01 00:00:00" } });
    const withBody = await json("POST", "/devices/principal/sync-time", { body: { time: TIME }, headers: { "accept-language": "en" } });
    expect(withBody.body).toEqual({ success: true, message: `Time synchronised: ${TIME}.`, data: { time: TIME } });
    expect(agent.calls("time.sync").map((f) => f.args)).toEqual([{}, { time: TIME }]);
    const bad = await json("POST", "/devices/principal/sync-time", { body: { time: "yesterday" } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe("time");
  });
});

describe("users", () => {
  test("list", async () => {
    agent.handlers["users.list"] = () => ({ users: [user("1", "Ana"), user("123", "Luis")] });
    const r = await json("GET", "/devices/principal/users");
    expect(r.body).toEqual({ success: true, data: [user("1", "Ana"), user("123", "Luis")] });
  });

  test("create → 201; an existing user_id → 409 USER_EXISTS", async () => {
    agent.handlers["users.create"] = (args) => ({ user: { ...user(args.user_id, args.name), privilege: args.privilege ?? 0 } });
    const r = await json("POST", "/devices/principal/users", { body: { user_id: "123", name: "Luis", privilege: 14, password: "1234" } });
    expect(r.status).toBe(201);
    expect(r.body).toEqual({ success: true, message: "Usuario '123' creado.", data: { ...user("123", "Luis"), privilege: 14 } });
    expect(agent.calls("users.create")[0].args).toEqual({ user_id: "123", name: "Luis", privilege: 14, password: "1234" });

    agent.handlers["users.create"] = () => {
      throw new AgentFailure("USER_EXISTS", "duplicate");
    };
    const dup = await json("POST", "/devices/principal/users", { body: { user_id: "123" } });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual({ success: false, error: "El usuario '123' ya existe.", code: "USER_EXISTS" });
    const bad = await json("POST", "/devices/principal/users", { body: { user_id: "123", privilege: 300 } });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe("privilege");
  });

  test("update → message and user; unknown user → 404", async () => {
    agent.handlers["users.update"] = (args) => ({ user: user(args.user_id, args.name) });
    const r = await json("PUT", "/devices/principal/users/123", { body: { name: "Luisa" } });
    expect(r.body).toEqual({ success: true, message: "Usuario '123' actualizado.", data: user("123", "Luisa") });
    expect(agent.calls("users.update")[0].args).toEqual({ name: "Luisa", user_id: "123" });
    agent.handlers["users.update"] = () => {
      throw new AgentFailure("USER_NOT_FOUND", "nope");
    };
    const missing = await json("PUT", "/devices/principal/users/77", { body: { name: "X" } });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ success: false, error: "Usuario '77' no encontrado.", code: "USER_NOT_FOUND" });
    const empty = await json("PUT", "/devices/principal/users/77", { body: {} });
    expect(empty.status).toBe(400);
  });

  test("enroll-finger and fingers", async () => {
    agent.handlers["users.enrollFinger"] = () => ({ started: true });
    agent.handlers["users.fingers"] = () => ({ fingers: [{ finger: 0, size: 512, valid: true }] });
    const enroll = await json("POST", "/devices/principal/users/123/enroll-finger", { body: { finger: 6 } });
    expect(enroll.body).toEqual({ success: true, message: "Registro de huella 6 iniciado para el usuario '123'." });
    expect(agent.calls("users.enrollFinger")[0].args).toEqual({ user_id: "123", finger: 6 });
    const tooBig = await json("POST", "/devices/principal/users/123/enroll-finger", { body: { finger: 10 } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.details[0].path).toBe("finger");
    const fingers = await json("GET", "/devices/principal/users/123/fingers");
    expect(fingers.body).toEqual({ success: true, data: [{ finger: 0, size: 512, valid: true }] });
  });
});

describe("attendance", () => {
  const rec = (userId: string, timestamp: string) => ({ user_id: userId, timestamp, status: 1, punch: 0, uid: Number(userId) });

  test("one device, filters passed to the agent", async () => {
    agent.handlers["attendance.list"] = () => ({ records: [rec("123", "2024-05-06 08:00:00")] });
    const r = await json("GET", "/devices/principal/attendance?user_id=123&date=2024-05-06");
    expect(r.body).toEqual({ success: true, data: [rec("123", "2024-05-06 08:00:00")] });
    expect(agent.calls("attendance.list")[0].args).toEqual({ user_id: "123", date: "2024-05-06" });
    await json("GET", "/devices/principal/attendance?from=2024-05-01%2000:00:00&to=2024-05-31%2023:59:59");
    expect(agent.calls("attendance.list")[1].args).toEqual({ from: "2024-05-01 00:00:00", to: "2024-05-31 23:59:59" });
    const bad = await json("GET", "/devices/principal/attendance?date=06/05/2024");
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].path).toBe("date");
  });

  test("all devices in parallel; failures in errors, a site without agent too", async () => {
    await createSite("sur");
    await createDevice({ id: "bodega", site: "sur" });
    try {
      agent.handlers["attendance.list"] = (_args, req) => {
        if (req.device.id === "entrada") throw new AgentFailure("DEVICE_UNREACHABLE", "Connection timeout to device 127.0.0.1:4371");
        return { records: [rec("123", "2024-05-06 08:00:00"), rec("7", "2024-05-06 09:00:00")] };
      };
      const r = await json("GET", "/attendance/all?user_id=123");
      expect(r.status).toBe(200);
      expect(r.body).toEqual({
        success: true,
        data: [
          { ...rec("123", "2024-05-06 08:00:00"), device: "principal" },
          { ...rec("7", "2024-05-06 09:00:00"), device: "principal" },
        ],
        errors: {
          bodega: "El agente del sitio 'sur' no está conectado.",
          entrada: "Connection timeout to device 127.0.0.1:4371",
        },
      });
      expect(agent.calls("attendance.list").map((f) => f.args)).toEqual([{ user_id: "123" }, { user_id: "123" }]);
    } finally {
      await json("DELETE", "/devices/bodega");
      await json("DELETE", "/admin/sites/sur");
    }
    agent.handlers["attendance.list"] = () => ({ records: [] });
    expect((await json("GET", "/attendance/all")).body).toEqual({ success: true, data: [], errors: {} });
  });
});

describe("agent-side failures", () => {
  test("agent offline → 503 AGENT_OFFLINE", async () => {
    await createSite("oeste");
    await createDevice({ id: "remota", site: "oeste" });
    try {
      const r = await json("GET", "/devices/remota/users");
      expect(r.status).toBe(503);
      expect(r.body).toEqual({ success: false, error: "El agente del sitio 'oeste' no está conectado.", code: "AGENT_OFFLINE" });
    } finally {
      await json("DELETE", "/devices/remota");
      await json("DELETE", "/admin/sites/oeste");
    }
  });

  test("busy → 503 DEVICE_BUSY; an agent INTERNAL → generic 500; a malformed result → 500 PROTOCOL_ERROR", async () => {
    agent.handlers["users.list"] = () => {
      throw new AgentFailure("DEVICE_BUSY", "lock queue full");
    };
    const busy = await json("GET", "/devices/principal/users");
    expect(busy.status).toBe(503);
    expect(busy.body).toEqual({ success: false, error: "El dispositivo está ocupado; intente de nuevo.", code: "DEVICE_BUSY" });
    agent.handlers["users.list"] = () => {
      throw new Error("TypeError at /opt/agent/secret.js:1");
    };
    const internal = await json("GET", "/devices/principal/users");
    expect(internal.status).toBe(500);
    expect(internal.body).toEqual({ success: false, error: "Error interno.", code: "INTERNAL" });
    agent.handlers["users.list"] = () => ({ users: [{ uid: "not a number" }] });
    const malformed = await json("GET", "/devices/principal/users");
    expect(malformed.status).toBe(500);
    expect(malformed.body.code).toBe("PROTOCOL_ERROR");
  });
});

describe("agents and their tokens", () => {
  test("GET /admin/sites shows the connected agent from its hello", async () => {
    const r = await json("GET", "/admin/sites");
    const norte = r.body.data.find((s: { id: string }) => s.id === "norte");
    expect(norte).toEqual({
      id: "norte",
      name: "norte",
      devices: 2,
      agent: { connected: true, hostname: "test-host", version: "test-agent 0.0.0", since: expect.stringMatching(/Z$/), last_seen: expect.stringMatching(/Z$/) },
    });
  });

  test("rotating the token disconnects the agent; the old token stops working, the new one works", async () => {
    const site = await createSite("rotar");
    await createDevice({ id: "rotada", site: site.id });
    const agents: FakeAgent[] = [];
    try {
      const old = await fakeAgent(site, { "time.get": () => ({ time: TIME }) });
      agents.push(old);
      expect((await json("GET", "/devices/rotada/time")).status).toBe(200);

      const rotated = await json("POST", "/admin/sites/rotar/rotate-token");
      expect((await old.closed).code).toBeGreaterThanOrEqual(4000);
      const offline = await json("GET", "/devices/rotada/time");
      expect(offline.status).toBe(503);
      expect(offline.body.code).toBe("AGENT_OFFLINE");

      const refused = await call("GET", "/agent/connect", { key: site.token, headers: { upgrade: "websocket" } });
      expect(refused.status).toBe(401);
      const fresh = await fakeAgent({ id: site.id, token: rotated.body.data.token }, { "time.get": () => ({ time: TIME }) });
      agents.push(fresh);
      expect((await json("GET", "/devices/rotada/time")).body).toEqual({ success: true, data: { time: TIME } });

      // Deleting the site also drops its agent.
      await json("DELETE", "/devices/rotada");
      expect((await json("DELETE", "/admin/sites/rotar")).status).toBe(200);
      expect((await fresh.closed).code).toBeGreaterThanOrEqual(4000);
    } finally {
      for (const a of agents) a.close();
      await json("DELETE", "/devices/rotada");
      await json("DELETE", "/admin/sites/rotar");
    }
  });
});
