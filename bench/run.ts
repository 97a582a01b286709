/**
 * npm run bench: runs every scenario in bench/ (each a standalone script
 * printing one JSON line per measurement, {"bench": name, ...}), saves the
 * figures to bench/results/latest.json and fails if any scenario missed its
 * target (exited non-zero).
 */
import { spawn } from "node:child_process";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv.slice(2);
const scenarios = (await readdir(dir))
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.startsWith("_"))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

const results: Record<string, unknown>[] = [];
let failed = 0;
for (const file of scenarios) {
  console.log(`\n== ${file}`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", `${dir}${file}`], { stdio: ["ignore", "pipe", "inherit"] });
    let buffer = "";
    child.stdout.on("data", (chunk: Buffer) => {
      buffer += chunk.toString();
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        console.log(line);
        if (line.startsWith('{"bench"')) results.push({ scenario: file, ...JSON.parse(line) });
      }
    });
    child.on("exit", resolve);
  });
  if (code !== 0) {
    failed++;
    console.error(`!! ${file} exited with ${code}`);
  }
}

await mkdir(`${dir}results`, { recursive: true });
await writeFile(
  `${dir}results/latest.json`,
  JSON.stringify({ at: new Date().toISOString(), node: process.version, results }, null, 2),
);
console.log(`\n${results.length} measurements from ${scenarios.length} scenarios → bench/results/latest.json`);
process.exit(failed > 0 ? 1 : 0);
