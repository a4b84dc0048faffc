// Starts the webhook receiver (scripts/lib/webhook-receiver.ts) on 127.0.0.1 for the workerd tests, which reach it by URL.
import type { TestProject } from "vitest/node";
import { startReceiver } from "../scripts/lib/webhook-receiver";

declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const receiver = await startReceiver();
  project.provide("receiverUrl", receiver.url);
  return () => receiver.close();
}
