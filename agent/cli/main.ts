// zk-relay-agent entry point: `run` dials the gateway, `device …` talks straight to a terminal.
export {};
const [command, ...rest] = process.argv.slice(2);

const USAGE = `usage:
  zk-relay-agent run --gateway <ws(s)://host/agent/connect> --token <site token>
  zk-relay-agent device <info|users|attendance|add-user|delete-user|time|sync-time|fingers> --ip <ip> [--port 4370] [--comm-key N] [--transport tcp|udp|auto] [--json]`;

switch (command) {
  case "run": {
    const { runAgentCli } = await import("./run");
    process.exitCode = await runAgentCli(rest);
    break;
  }
  case "device": {
    const { runDeviceCli } = await import("./device");
    process.exitCode = await runDeviceCli(rest);
    break;
  }
  case undefined:
  case "help":
  case "--help":
  case "-h":
    console.log(USAGE);
    process.exitCode = command === undefined ? 2 : 0;
    break;
  default:
    console.error(`zk-relay-agent: unknown command '${command}'\n${USAGE}`);
    process.exitCode = 2;
}

// A module (top-level await above); nothing to export.
export {};
