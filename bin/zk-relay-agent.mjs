#!/usr/bin/env node
// zk-relay-agent: the on-site agent (`run`) and the technician's direct device CLI (`device …`).
import { register } from "tsx/esm/api";
register();
await import(new URL("../agent/cli/main.ts", import.meta.url).href);
