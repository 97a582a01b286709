import { execFile } from "node:child_process";
import { builtinModules } from "node:module";
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDbKind } from "./helpers/db.ts";
import { startServerProcess, stopServerProcess } from "./helpers/server-process.ts";

/**
 * `npm start` runs `node dist/server.js`, the output of `npm run build` (tsconfig.build.json). Built here into a
 * temporary copy laid out like the package (dist/, drizzle/, package.json), so the work tree's dist/ is left alone.
 * The build does not depend on the database, so it is checked once, on the PGlite run.
 */
const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8")) as {
  dependencies: Record<string, string>;
};

let dir: string;
async function jsFiles(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true });
  return entries.filter((e) => e.endsWith(".js")).map((e) => join(folder, e));
}

describe.skipIf(testDbKind() !== "pglite")("the compiled start (npm run build → node dist/server.js)", () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "rota-build-"));
    const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
    const outDir = join(dir, "dist");
    await promisify(execFile)(
      process.execPath,
      [tsc, "-p", join(root, "tsconfig.build.json"), "--outDir", outDir, "--tsBuildInfoFile", join(outDir, ".tsbuildinfo")],
      { cwd: root },
    );
    await writeFile(join(dir, "package.json"), JSON.stringify(pkg));
    await symlink(join(root, "drizzle"), join(dir, "drizzle"));
    await symlink(join(root, "node_modules"), join(dir, "node_modules"));
  }, 120_000);
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("emits JavaScript only for src/ without its tests, importing .js files and production dependencies only", async () => {
    const files = await jsFiles(join(dir, "dist"));
    expect(files).toContain(join(dir, "dist", "server.js"));
    expect(files.filter((f) => f.endsWith(".test.js"))).toEqual([]);

    const builtins = new Set(builtinModules);
    const offending: string[] = [];
    let checked = 0;
    for (const file of files) {
      const text = await readFile(file, "utf8");
      // Static imports and re-exports (tsc emits them at the start of a line, possibly over several), bare
      // side-effect imports, dynamic import("…").
      const specifiers = text.matchAll(/^(?:import|export)\b[^;"]*?\bfrom\s*"([^"]+)"|^import\s*"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/gm);
      for (const match of specifiers) {
        const spec = (match[1] ?? match[2] ?? match[3])!;
        checked++;
        if (spec.startsWith(".")) {
          if (!spec.endsWith(".js")) offending.push(`${file}: ${spec}`);
          continue;
        }
        if (spec.startsWith("node:") || builtins.has(spec)) continue;
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        // tsx, yaml, typescript, vitest… are devDependencies: `npm ci --omit=dev` does not install them.
        if (!(name in pkg.dependencies)) offending.push(`${file}: ${spec}`);
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(offending).toEqual([]);
  });

  it("runs on plain node: migrates an empty database from drizzle/, answers /healthz, stops cleanly on SIGTERM", async () => {
    // No loader: NODE_OPTIONS from a test runner must not smuggle tsx in.
    const server = await startServerProcess([join(dir, "dist", "server.js")], { NODE_OPTIONS: "", ROTA_DATA_DIR: join(dir, "data") }, dir);
    const { port, logs } = server;

    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);
    expect(logs.some((l) => l.includes("database migrated"))).toBe(true);
    expect(logs.filter((l) => l.includes("shown only now"))).toHaveLength(1);

    expect(await stopServerProcess(server)).toBe(0);
  }, 60_000);
});
