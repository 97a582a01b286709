import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./helpers/app.ts";

// A violation no service pre-checks still answers as a DomainError naming the field (src/db/errors.ts).
let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe("database constraints answer as named conflicts", () => {
  it("a second schedule called 'primary on call' (any case) → 409 schedule_name_taken naming name", async () => {
    const person = await t.person();
    const schedule = (name: string) =>
      t.admin.post("/v1/schedules", {
        name,
        timeZone: "Europe/London",
        layers: [{ participants: [person.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate: "2026-01-05" }],
      });
    expect((await schedule("Primary on call")).status).toBe(201);
    const duplicate = await schedule("PRIMARY ON CALL");
    expect(duplicate.status).toBe(409);
    expect(duplicate.headers["content-type"]).toMatch(/^application\/problem\+json/);
    expect(duplicate.body.code).toBe("schedule_name_taken");
    expect(duplicate.body.errors[0].field).toBe("name");
    expect(duplicate.body.detail).not.toMatch(/_uq/);
  });
});
