import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderOpenApiYaml } from "../src/http/openapi.ts";
import { createTestApp, type TestApp } from "./helpers/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("openapi.yaml", () => {
  it("is exactly what the routes describe (run `npm run openapi:write` after changing a route)", async () => {
    const checkedIn = await readFile(new URL("../openapi.yaml", import.meta.url), "utf8");
    expect(checkedIn).toBe(await renderOpenApiYaml(t.app));
  });

  it("documents every /v1 operation with a summary, a tag and its error responses", async () => {
    const doc = parse(await renderOpenApiYaml(t.app));
    const operations = Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({ path, method, op })),
    );
    expect(operations.length).toBeGreaterThan(15);
    for (const { path, method, op } of operations) {
      expect(op.summary, `${method} ${path}`).toBeTruthy();
      expect(op.tags?.length, `${method} ${path}`).toBeGreaterThan(0);
      if (path.startsWith("/v1/")) expect(Object.keys(op.responses), `${method} ${path}`).toContain("401");
    }
  });
});
