// The device CLI is a front end on the agent's operations: every op has a command, every command an op.
import { describe, expect, test } from "vitest";
import { OP_HANDLERS } from "../../agent/ops";
import { SUBCOMMAND_NAMES, SUBCOMMANDS, subcommandHelp } from "../../agent/cli/device-commands";

describe("device CLI commands", () => {
  test("each runs one of the relay's operations, and every terminal operation of the API has a command", () => {
    const ops = SUBCOMMAND_NAMES.map((n) => SUBCOMMANDS[n].op);
    for (const op of ops) expect(OP_HANDLERS[op]).toBeTypeOf("function");
    expect(new Set(ops)).toEqual(
      new Set([
        "device.ping",
        "device.info",
        "users.list",
        "users.create",
        "users.update",
        "users.delete",
        "users.restore",
        "users.enrollFinger",
        "users.fingers",
        "attendance.list",
        "time.get",
        "time.sync",
        "door.unlock",
      ]),
    );
  });

  test("every command's --help names each of its flags and the common ones", () => {
    for (const name of SUBCOMMAND_NAMES) {
      const help = subcommandHelp(name);
      for (const flag of [...Object.keys(SUBCOMMANDS[name].flags), "ip", "timeout", "json"]) expect(help).toContain(`--${flag}`);
    }
  });
});
