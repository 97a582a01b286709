import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The web app: Preact, built to dist/web and served by the API server at `/` (src/http/web.ts).
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/",
  logLevel: "warn",
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: {
    outDir: fileURLToPath(new URL("../dist/web", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // No inline scripts: the pages' Content-Security-Policy allows only this origin's files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
  },
});
