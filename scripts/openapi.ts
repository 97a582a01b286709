/**
 * openapi.yaml is generated from the route schemas and checked in.
 *   --write  regenerate it
 *   --check  exit 1 when it differs from what the routes produce
 */
import { readFile, writeFile } from "node:fs/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { FastifyInstance } from "fastify";
import { Document, isScalar, visit } from "yaml";
import { buildApp } from "../src/app.ts";
import { createDb } from "../src/db/client.ts";
import { openApiDocument } from "../src/http/openapi.ts";

/**
 * openapi.yaml's text for the app's routes (tests/openapi.test.ts keeps the
 * file equal to it). Lists of scalars (`required`, `enum`, `tags`) go on one
 * line, long descriptions are not folded, and repeated objects are written
 * out rather than as YAML anchors, which not every OpenAPI tool follows.
 * Here, not in src/: `yaml` is a dev dependency.
 */
export async function renderOpenApiYaml(app: FastifyInstance): Promise<string> {
  const document = new Document(await openApiDocument(app), { aliasDuplicateObjects: false });
  visit(document, {
    Seq(_, node) {
      if (node.items.every((item) => isScalar(item))) node.flow = true;
    },
  });
  return document.toString({ flowCollectionPadding: false, lineWidth: 0 });
}

async function main(mode: string | undefined): Promise<void> {
  const path = fileURLToPath(new URL("../openapi.yaml", import.meta.url));
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
}

// Run as a script, not when tests import renderOpenApiYaml.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main(process.argv[2]);
