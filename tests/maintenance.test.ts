import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_IDEMPOTENCY_TTL_MS } from "../src/config.ts";
import { runMaintenance } from "../src/services/maintenance.ts";
import { createTestApp, type TestApp } from "./helpers/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("maintenance", () => {
  it("forgets Idempotency-Keys after 24 hours, and a forgotten key starts a new request", async () => {
    const first = await t.admin.post("/v1/teams", { name: "Kept key", timeZone: "UTC" }, { "idempotency-key": "old-key" });
    expect(first.status).toBe(201);
    expect((await runMaintenance(t.handle.db, new Date(), { idempotencyTtlMs: DEFAULT_IDEMPOTENCY_TTL_MS })).idempotencyKeysPruned).toBe(0);
    const tomorrow = new Date(Date.now() + 25 * 3600_000);
    expect((await runMaintenance(t.handle.db, tomorrow, { idempotencyTtlMs: DEFAULT_IDEMPOTENCY_TTL_MS })).idempotencyKeysPruned).toBeGreaterThanOrEqual(1);
    const again = await t.admin.post("/v1/teams", { name: "Kept key", timeZone: "UTC" }, { "idempotency-key": "old-key" });
    expect(again.status).toBe(409);
    expect(again.headers["idempotent-replayed"]).toBeUndefined();
  });
});
