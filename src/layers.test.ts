import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

// The layer rules of .dependency-cruiser.cjs: the tree keeps them, and a broken one fails the command.
const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const depcruise = join(root, "node_modules", ".bin", "depcruise");
const config = join(root, ".dependency-cruiser.cjs");

async function cruise(cwd: string): Promise<{ exitCode: number; output: string }> {
  try {
    const { stdout } = await run(depcruise, ["src", "--config", config, "--output-type", "err"], { cwd });
    return { exitCode: 0, output: stdout };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { exitCode: failed.code ?? 1, output: `${failed.stdout ?? ""}${failed.stderr ?? ""}` };
  }
}

describe("layers (npm run lint:layers)", () => {
  it("src keeps every rule", async () => {
    const result = await cruise(root);
    expect(result.output).toMatch(/no dependency violations/);
    expect(result.exitCode).toBe(0);
  }, 60_000);

  it("domain → http, services → http, db → services, a route → db and a cycle each fail it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "rota-layers-"));
    try {
      const files: Record<string, string> = {
        "tsconfig.json": JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext", allowImportingTsExtensions: true, noEmit: true } }),
        "src/domain/rule.ts": 'import "../http/plugins/errors.ts";\nexport const rule = 1;\n',
        "src/http/plugins/errors.ts": "export const errors = 1;\n",
        "src/services/use-case.ts": 'import { errors } from "../http/plugins/errors.ts";\nexport const useCase = errors;\n',
        "src/db/repository.ts": 'import { useCase } from "../services/use-case.ts";\nexport const repository = useCase;\n',
        "src/http/routes/things/index.ts": 'import { repository } from "../../../db/repository.ts";\nexport const routes = repository;\n',
        "src/domain/a.ts": 'import { b } from "./b.ts";\nexport const a = () => b;\n',
        "src/domain/b.ts": 'import { a } from "./a.ts";\nexport const b = () => a;\n',
      };
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      const result = await cruise(dir);
      expect(result.exitCode).not.toBe(0);
      expect(result.output).toMatch(/domain-is-pure: src\/domain\/rule\.ts → src\/http\/plugins\/errors\.ts/);
      expect(result.output).toMatch(/services-below-http: src\/services\/use-case\.ts → src\/http\/plugins\/errors\.ts/);
      expect(result.output).toMatch(/db-below-services: src\/db\/repository\.ts → src\/services\/use-case\.ts/);
      expect(result.output).toMatch(/routes-call-services: src\/http\/routes\/things\/index\.ts → src\/db\/repository\.ts/);
      expect(result.output).toMatch(/no-circular: src\/domain\/[ab]\.ts →/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
