// npm run build:web: the typed API client's types from openapi.yaml, then the web app (Vite) into dist/web.
// Skipped when dist/web is newer than everything it is built from, so `npm start` stays quick.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const out = join(root, "dist/web/index.html");

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).filter((f) => f !== "api-types.ts").map((f) => newest(join(path, f))));
}

const bin = (name) => join(root, "node_modules/.bin", name);
const types = () => execFileSync(bin("openapi-typescript"), ["openapi.yaml", "-o", "web/src/api-types.ts", "--silent"], { cwd: root, stdio: "inherit" });
// --types: only the client's types (what `npm run typecheck` needs to check web/).
if (process.argv.includes("--types")) {
  types();
  process.exit(0);
}

const sources = [join(root, "web"), join(root, "openapi.yaml"), join(root, "package-lock.json")];
if (!process.argv.includes("--force") && existsSync(out) && statSync(out).mtimeMs > Math.max(...sources.map(newest))) process.exit(0);

types();
execFileSync(bin("vite"), ["build", "--config", "web/vite.config.ts"], { cwd: root, stdio: "inherit" });
