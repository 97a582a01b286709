/**
 * openapi.yaml is generated from the route schemas and checked in.
 *   --write  regenerate it
 *   --check  exit 1 when it differs from what the routes produce
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { buildApp } from "../src/app.ts";
import { createDb } from "../src/db/client.ts";
import { renderOpenApiYaml } from "../src/http/openapi.ts";

const path = fileURLToPath(new URL("../openapi.yaml", import.meta.url));
const mode = process.argv[2];
if (mode !== "--write" && mode !== "--check") {
  console.error("usage: tsx scripts/openapi.ts --write | --check");
  process.exit(2);
}

// Building the app needs a database handle; nothing is queried.
const handle = await createDb({ kind: "pglite", dataDir: "memory://" });
const app = await buildApp({ config: { logLevel: "silent", bodyLimitBytes: 1024 * 1024, publicUrl: undefined }, db: handle.db });
const generated = await renderOpenApiYaml(app);
await app.close();
await handle.close();

if (mode === "--write") {
  await writeFile(path, generated);
  console.log(`wrote ${path}`);
} else {
  const current = await readFile(path, "utf8").catch(() => "");
  if (current !== generated) {
    console.error("openapi.yaml is out of date with the routes: run `npm run openapi:write` and commit it.");
    process.exit(1);
  }
  console.log("openapi.yaml matches the routes");
}
