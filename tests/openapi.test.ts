import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderOpenApiYaml } from "../scripts/openapi.ts";
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
      // `security: []` takes no token (Slack signs its requests, a feed URL is its own secret): no 401 to promise.
      const anonymous = Array.isArray(op.security) && op.security.length === 0;
      if (path.startsWith("/v1/") && !anonymous) expect(Object.keys(op.responses), `${method} ${path}`).toContain("401");
    }
  });

  it("shares what operations repeat: errors are components.responses, resources components.schemas, and the file stays small", async () => {
    const text = await renderOpenApiYaml(t.app);
    const doc = parse(text);
    const responses = Object.values(doc.paths as Record<string, Record<string, any>>).flatMap((ops) =>
      Object.values(ops).flatMap((op) => Object.entries(op.responses as Record<string, any>)),
    );
    const errors = responses.filter(([status]) => /^[45]/.test(status));
    expect(errors.length).toBeGreaterThan(300);
    for (const [status, response] of errors) expect(response, status).toEqual({ $ref: expect.stringMatching(/^#\/components\/responses\/[A-Za-z]+$/) });
    expect(doc.components.responses.NotFound.content["application/problem+json"].schema).toEqual({ $ref: "#/components/schemas/Problem" });
    expect(responses.find(([status]) => status === "200")).toBeDefined();
    expect(doc.paths["/v1/people/{id}"].get.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/Person" });
    // Every schema inlined where used, the document was over 1 MB.
    expect(Buffer.byteLength(text)).toBeLessThan(256 * 1024);
  });
});
