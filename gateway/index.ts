// Worker entry: the Hono app answers HTTP; SiteRelay is the per-site Durable Object the agents connect to.
import { app } from "./app";

export default app;
export { SiteRelay } from "./relay/site-relay";
