import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** Where `npm run build` puts the web app (web/ built by Vite): <repo>/dist/web, from src/ and dist/ alike. */
export const WEB_DIR = fileURLToPath(new URL("../../../dist/web/", import.meta.url));

/** The app's pages: each serves index.html, and the app routes in the browser. */
export const WEB_PAGES = ["/", "/sign-in", "/duty", "/me", "/oncall", "/coverage"] as const;

/**
 * The web app at `/`: its pages (index.html, never cached, so a deploy is
 * seen at once) and its hashed assets under /assets (cached for a year).
 * The pages get the same security headers as everything else, helmet's
 * Content-Security-Policy included: scripts and styles from this origin only.
 * Without a build (tests of the API alone), the pages say how to build it.
 */
export async function webPlugin(app: FastifyInstance, { dir = WEB_DIR }: { dir?: string } = {}) {
  const built = existsSync(`${dir}index.html`);
  if (built) {
    await app.register(fastifyStatic, {
      root: `${dir}assets/`,
      prefix: "/assets/",
      serve: true,
      wildcard: true,
      index: false,
      decorateReply: true,
      immutable: true,
      maxAge: "365d",
    });
  }
  for (const page of WEB_PAGES) {
    app.get(page, { schema: { hide: true }, config: { auth: false } }, async (_request, reply) => {
      if (!built) return reply.code(503).type("text/plain; charset=utf-8").send("The web app is not built: run npm run build (npm start does it).");
      return reply.header("cache-control", "no-cache").sendFile("index.html", dir, { cacheControl: false });
    });
  }
}
