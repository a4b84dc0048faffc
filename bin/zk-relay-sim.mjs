#!/usr/bin/env node
// zk-relay-sim: a simulated ZKTeco terminal on TCP and UDP (see agent/zk/sim).
import { register } from "tsx/esm/api";
register();
await import(new URL("../agent/zk/sim/cli.ts", import.meta.url).href);
