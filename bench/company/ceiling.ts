/**
 * Scenario (a), the ceiling: a bare Fastify route answering the JSON body in
 * CEILING_BODY_FILE (an on-call answer taken from the server under test), in a
 * process of its own, on loopback. No plugins, no auth, no database: what this
 * machine serves at most with Node and Fastify. Prints {"url": …} once it
 * listens, then serves until killed.
 */
import { readFileSync } from "node:fs";
import Fastify from "fastify";

const body = JSON.parse(readFileSync(process.env.CEILING_BODY_FILE!, "utf8")) as unknown;
const app = Fastify({ logger: false });
app.get("/", async () => body);
const url = await app.listen({ host: "127.0.0.1", port: 0 });
console.log(JSON.stringify({ url: `${url}/` }));
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
