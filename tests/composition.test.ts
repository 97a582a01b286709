import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { v1Routes } from "../src/http/routes/index.ts";
import { createTestApp, type TestApp } from "./helpers/app.ts";

// How the app is put together (issue 12): one plugin, decorated once, one folder per resource.
const routesDir = resolve(import.meta.dirname, "../src/http/routes");

describe("composition", () => {
  it("every resource folder under src/http/routes is registered under /v1 (health sits outside it)", async () => {
    const folders = (await readdir(routesDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    const unlisted: string[] = [];
    for (const folder of folders.filter((f) => f !== "health")) {
      const module = (await import(join(routesDir, folder, "index.ts"))) as Record<string, unknown>;
      const plugins = Object.values(module).filter((v) => typeof v === "function");
      if (!plugins.some((p) => v1Routes.includes(p as (typeof v1Routes)[number]))) unlisted.push(folder);
    }
    expect(unlisted).toEqual([]);
    expect(new Set(v1Routes).size).toBe(v1Routes.length);
    expect(v1Routes.length).toBe(folders.length - 1);
  });

  describe("request.ctx", () => {
    const pinned = new Date("2031-05-06T07:08:09.000Z");
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ clock: () => pinned });
    });
    afterAll(async () => t?.close());

    it("reads `now` from the app's clock, once per request, for every use case", async () => {
      const oncall = await t.admin.get("/v1/oncall");
      expect(oncall.status).toBe(200);
      expect(oncall.body.at).toBe(pinned.toISOString());

      const person = await t.admin.post("/v1/people", { name: "Clocked", email: "clocked@example.test", timeZone: "Europe/London" });
      expect(person.status).toBe(201);
      const audit = await t.admin.get(`/v1/audit?entityId=${person.body.id}`);
      expect(audit.status).toBe(200);
      expect(audit.body.items.map((e: { at: string }) => e.at)).toEqual([pinned.toISOString()]);
    });

    it("is a 401 problem, not a crash, on a route that needs a caller", async () => {
      const res = await t.anonymous.get("/v1/me");
      expect(res.status).toBe(401);
      expect(res.body.code).toBe("unauthorized");
    });

    it("the app is decorated once: the database and the on-call cache are the instance's", () => {
      expect(t.app.db).toBe(t.handle.db);
      expect(t.app.onCallCache).toBeDefined();
      expect(t.app.clock()).toBe(pinned);
    });
  });
});
