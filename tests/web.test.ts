import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dutyBookings, dutySlots, people } from "../src/db/schema/index.ts";
import { browserAvailable, launchChromium } from "./helpers/browser.ts";
import { testDbKind } from "./helpers/db.ts";
import { createTestApp, type Client, type TestApp } from "./helpers/app.ts";

// The web app (issue 15) in a real browser: Debian's Chromium driven by playwright-core against the
// API server listening on loopback. Screenshots of each page go to test-results/web/. The browser
// does not care which database is behind the API, so this runs once, on the PGlite run.

const root = fileURLToPath(new URL("..", import.meta.url));
const shots = `${root}test-results/web/`;
const ZONE = "Europe/Berlin";
const run = testDbKind() === "pglite" && browserAvailable();

let t: TestApp;
let base: string;
let browser: Browser;
let ann: Client & { personId: string };
let ben: Client & { personId: string };
let programId: string;
let slots: { id: string; start: string }[];

async function signedIn(who: { personId: string }, options: Parameters<Browser["newContext"]>[0] = {}): Promise<{ context: BrowserContext; page: Page }> {
  const link = await t.admin.post(`/v1/people/${who.personId}/sign-in-links`);
  expect(link.status).toBe(201);
  const context = await browser.newContext({ timezoneId: ZONE, ...options });
  const page = await context.newPage();
  page.on("pageerror", (error) => console.error(`page error: ${error.message}`));
  const url = new URL(link.body.url);
  await page.goto(`${base}${url.pathname}${url.hash}`);
  await page.getByRole("heading", { name: "Chat duty" }).waitFor();
  return { context, page };
}

const axe = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core's serious and critical violations on the page (its context must bypass the CSP: axe is injected inline). */
async function audit(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axe });
  // Code run in the page is a string: this file is type-checked without the DOM's types.
  const violations = (await page.evaluate(`axe.run(document).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })))`)) as { id: string; impact: string | null; nodes: number }[];
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id} (${v.nodes})`);
}

const slotButton = (page: Page, slotId: string) => page.locator(`button[data-slot="${slotId}"]`);

describe.skipIf(!run)("the web app in Chromium", () => {
  beforeAll(async () => {
    execFileSync(process.execPath, [`${root}scripts/build-web.mjs`], { cwd: root, stdio: "inherit" });
    mkdirSync(shots, { recursive: true });
    t = await createTestApp();
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
    ann = await t.person({ name: "Ann Archer", timeZone: ZONE });
    ben = await t.person({ name: "Ben Baker", timeZone: ZONE });
    const program = await t.admin.post("/v1/duty-programs", { name: "Chat duty", timeZone: ZONE, hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "09:00", end: "17:00" }] }, seatsPerSlot: 1, quotaPerMonth: 2 });
    expect(program.status, JSON.stringify(program.body)).toBe(201);
    programId = program.body.id;
    // Three one-seat slots two days out, in this month or the next (the test follows them there).
    const first = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 48 * 3_600_000);
    slots = [];
    for (let i = 0; i < 3; i++) {
      const start = new Date(first.getTime() + i * 3_600_000).toISOString();
      const res = await t.admin.post(`/v1/duty-programs/${programId}/slots`, { start, end: new Date(Date.parse(start) + 3_600_000).toISOString() });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      slots.push({ id: res.body.id, start });
    }
    browser = await launchChromium();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  /** Moves the calendar to the month of the first slot, if it is not this one. */
  async function toSlotsMonth(page: Page) {
    const month = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit" }).format(new Date(slots[0]!.start)).slice(0, 7);
    if ((await page.locator(".toolbar .month").textContent()) !== month) await page.getByRole("button", { name: "Next month" }).click();
    await slotButton(page, slots[0]!.id).waitFor();
  }

  it("serves the pages with a Content-Security-Policy and the usual security headers", async () => {
    const res = await fetch(`${base}/duty`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("Ann signs in through her link, books a slot, and Ben sees it taken in his own browser within seconds", async () => {
    const a = await signedIn(ann);
    const b = await signedIn(ben);
    await toSlotsMonth(a.page);
    await toSlotsMonth(b.page);
    expect(a.page.url()).not.toContain("rotalink_"); // the link's secret is gone from the address bar
    await expect.poll(() => slotButton(b.page, slots[0]!.id).textContent()).toContain("1 free");

    await slotButton(a.page, slots[0]!.id).click();
    await expect.poll(() => slotButton(a.page, slots[0]!.id).textContent()).toContain("mine");
    await a.page.screenshot({ path: `${shots}duty-calendar.png`, fullPage: true });
    // Ben's calendar re-reads the month every 3 s.
    await expect.poll(() => slotButton(b.page, slots[0]!.id).textContent(), { timeout: 8000 }).toContain("full");
    expect(await slotButton(b.page, slots[0]!.id).isDisabled()).toBe(true);
    // Its next re-read sends the month's ETag back: nothing changed since, so an empty 304.
    const reread = await b.page.waitForResponse((r) => r.url().includes("/slots?"), { timeout: 8000 });
    expect(reread.status()).toBe(304);
    await a.context.close();
    await b.context.close();
  });

  it("a seat taken since the page was drawn: the click shows the API's slot_full detail", async () => {
    const b = await signedIn(ben);
    await toSlotsMonth(b.page);
    // Ben's page keeps showing the month as it was (its refreshes are held back), while Ann books the last seat.
    const stale = await (await fetch(`${base}/v1/duty-programs/${programId}/slots?month=${new Date(slots[1]!.start).toISOString().slice(0, 7)}`, { headers: { authorization: `Bearer ${ben.token}` } })).text();
    await b.page.route("**/v1/duty-programs/*/slots?*", (route) => route.fulfill({ status: 200, contentType: "application/json", body: stale }));
    expect((await ann.post(`/v1/duty-slots/${slots[1]!.id}/bookings`, {})).status).toBe(201);
    await slotButton(b.page, slots[1]!.id).click();
    const refused = await ben.post(`/v1/duty-slots/${slots[1]!.id}/bookings`, {});
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe("slot_full");
    await expect.poll(() => b.page.getByRole("alert").textContent()).toBe(refused.body.detail);
    await b.page.screenshot({ path: `${shots}duty-slot-full.png`, fullPage: true });
    await b.context.close();
  });

  it("cancelling my booking frees the seat; signing out revokes the browser's token", async () => {
    const a = await signedIn(ann);
    await toSlotsMonth(a.page);
    await slotButton(a.page, slots[1]!.id).click();
    await a.page.getByRole("region", { name: "Your booking" }).getByRole("button", { name: "Cancel booking" }).click();
    await expect.poll(() => slotButton(a.page, slots[1]!.id).textContent()).toContain("1 free");
    const token = await a.page.evaluate(() => localStorage.getItem("rota.token"));
    expect(token).toMatch(/^rota_/);
    await a.page.getByRole("button", { name: "Sign out" }).click();
    await a.page.getByRole("heading", { name: "Sign in to Rota" }).waitFor();
    expect(await a.page.evaluate(() => localStorage.getItem("rota.token"))).toBeNull();
    expect((await t.as(token!).get("/v1/me")).status).toBe(401);
    await a.context.close();
  });

  it("Ann trades her slot for Ben's: offered from the calendar, accepted by Ben (which completes it), and the calendar shows it", async () => {
    expect((await ben.post(`/v1/duty-slots/${slots[2]!.id}/bookings`, {})).status).toBe(201);
    const a = await signedIn(ann);
    await toSlotsMonth(a.page);
    await slotButton(a.page, slots[0]!.id).click();
    const panel = a.page.getByRole("region", { name: "Your booking" });
    const trade = panel.getByRole("combobox", { name: "Trade with" });
    const benOption = (await trade.locator("option").allTextContents()).find((text) => text.startsWith("Ben Baker"));
    expect(benOption).toBeDefined();
    await trade.selectOption({ label: benOption! });
    await panel.getByRole("button", { name: "Offer trade" }).click();
    await expect.poll(() => a.page.getByRole("status").first().textContent()).toContain("Trade offered to Ben Baker");
    await a.page.screenshot({ path: `${shots}duty-trade-offered.png`, fullPage: true });

    const b = await signedIn(ben);
    await b.page.getByRole("link", { name: "My schedule" }).click();
    await b.page.getByRole("button", { name: "Accept" }).click();
    await expect.poll(() => b.page.getByRole("status").first().textContent()).toContain("Swap completed");
    // Ann's calendar (re-read every 3 s) now has her on Ben's old slot, and Ben on hers.
    await expect.poll(() => slotButton(a.page, slots[2]!.id).textContent(), { timeout: 8000 }).toContain("mine");
    expect(await slotButton(a.page, slots[0]!.id).textContent()).toContain("full");
    await a.context.close();
    await b.context.close();
  });

  it("the on-call page shows who is on now per schedule", async () => {
    const created = await t.admin.post("/v1/schedules", {
      name: "Escalations",
      timeZone: ZONE,
      layers: [{ name: "Daily", participants: [ann.personId, ben.personId], turn: { unit: "days", count: 1 }, handoffTime: "09:00", startDate: "2026-01-01" }],
    });
    expect(created.status).toBe(201);
    const b = await signedIn(ben);
    await b.page.getByRole("link", { name: "On call" }).click();
    const row = b.page.getByRole("row", { name: /Escalations/ });
    const now = (await t.admin.get(`/v1/oncall?schedule=${created.body.id}`)).body.items[0].current.person.name as string;
    await expect.poll(() => row.textContent()).toContain(now);
    // The two-week timeline: Ann and Ben by turns; Ben, a participant, puts himself on call tomorrow 09:00–12:00 (an override).
    await b.page.getByRole("heading", { name: "Escalations: the next two weeks" }).waitFor();
    // The heading can be drawn before the timeline's own request answers: wait for the blocks.
    await expect.poll(() => b.page.locator(".timeline .block.layer").count()).toBeGreaterThanOrEqual(14);
    const tomorrow = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(new Date(Date.now() + 86_400_000));
    await b.page.getByLabel("From").fill(`${tomorrow}T09:00`);
    await b.page.getByLabel("To").fill(`${tomorrow}T12:00`);
    await b.page.getByRole("button", { name: "Create override" }).click();
    await expect.poll(() => b.page.locator(".timeline .ok, .timeline .error").first().textContent()).toContain("Ben Baker on call");
    await expect.poll(() => b.page.locator(".timeline .block.override").count()).toBe(1);
    expect(await b.page.locator(".timeline .block.override").textContent()).toContain("Ben Baker");
    const segments = (await t.admin.get(`/v1/schedules/${created.body.id}/segments?from=${new Date().toISOString()}&to=${new Date(Date.now() + 3 * 86_400_000).toISOString()}`)).body.segments;
    const override = segments.find((s: { source: { kind: string } }) => s.source.kind === "override");
    expect([override.personId, override.start, override.end]).toEqual([ben.personId, new Date(`${tomorrow}T08:00:00Z`).toISOString(), new Date(`${tomorrow}T11:00:00Z`).toISOString()]);
    await b.page.screenshot({ path: `${shots}oncall.png`, fullPage: true });
    await b.context.close();
  });

  it("My schedule: Ann offers her shift to anyone, Ben takes it, and it is his", async () => {
    const team = await t.team({ name: "Support desk", timeZone: ZONE });
    for (const p of [ann, ben]) expect((await t.admin.post(`/v1/teams/${team.id}/members`, { personId: p.personId })).status).toBe(201);
    const start = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + 5 * 86_400_000);
    const shift = await t.admin.post("/v1/shifts", { teamId: team.id, personId: ann.personId, start: start.toISOString(), end: new Date(start.getTime() + 4 * 3_600_000).toISOString(), outsideSupportHours: true });
    expect(shift.status, JSON.stringify(shift.body)).toBe(201);

    const a = await signedIn(ann);
    await a.page.getByRole("link", { name: "My schedule" }).click();
    await a.page.getByRole("heading", { name: "My schedule" }).waitFor();
    // The week view puts the shift on its day, in Ann's zone.
    await a.page.getByRole("button", { name: "Week", exact: true }).click();
    const day = new Intl.DateTimeFormat("en-CA", { timeZone: ZONE, year: "numeric", month: "2-digit", day: "2-digit" }).format(start);
    expect(await a.page.locator(".toolbar .month").textContent()).toMatch(/^Week of \d{4}-\d{2}-\d{2}$/);
    if (!(await a.page.locator(`.week-view li[data-day="${day}"]`).count())) await a.page.getByRole("button", { name: "Next week" }).click();
    await expect.poll(() => a.page.locator(`.week-view li[data-day="${day}"] .block.shift`).count()).toBe(1);
    await a.page.screenshot({ path: `${shots}my-schedule-week.png`, fullPage: true });
    await a.page.getByRole("button", { name: "List", exact: true }).click();
    await a.page.locator(".agenda li", { has: a.page.locator(".kind.shift") }).getByRole("button", { name: "Offer to anyone" }).click();
    await expect.poll(() => a.page.getByRole("status").first().textContent()).toContain("Offered");
    await a.page.screenshot({ path: `${shots}my-schedule.png`, fullPage: true });

    const b = await signedIn(ben);
    await b.page.getByRole("link", { name: "My schedule" }).click();
    await b.page.getByRole("button", { name: "Take it" }).click();
    await expect.poll(() => b.page.getByRole("status").first().textContent()).toContain("Swap completed");
    await expect.poll(() => b.page.locator(".agenda li", { has: b.page.locator(".kind.shift") }).count()).toBe(1);
    expect((await t.admin.get(`/v1/shifts/${shift.body.id}`)).body.personId).toBe(ben.personId);
    await a.context.close();
    await b.context.close();
  });

  it("a lead sees next week's gap, picks a candidate and fills it with a shift in one click", async () => {
    const lead = await t.person({ role: "lead", name: "Lena Lead", timeZone: ZONE });
    const team = await t.team({ name: "Live chat", timeZone: ZONE, minShiftMinutes: 240, swapApprovalRequired: true });
    for (const [p, isLead] of [[lead, true], [ann, false], [ben, false]] as const) {
      expect((await t.admin.post(`/v1/teams/${team.id}/members`, { personId: p.personId, isLead })).status).toBe(201);
    }
    expect((await lead.request("PUT", `/v1/teams/${team.id}/support-hours`, { body: { windows: [{ days: ["tue"], start: "09:00", end: "17:00" }] } })).status).toBe(200);
    expect((await lead.post(`/v1/teams/${team.id}/staffing-requirements`, { days: ["tue"], start: "09:00", end: "13:00", headcount: 1 })).status).toBe(201);

    // bypassCSP: axe is injected into this page too.
    const l = await signedIn(lead, { bypassCSP: true });
    await l.page.getByRole("link", { name: "Coverage" }).click();
    await l.page.getByRole("heading", { name: "Coverage: Live chat" }).waitFor();
    const thisWeek = await l.page.locator(".toolbar .month").textContent();
    await l.page.getByRole("button", { name: "Next week" }).click();
    await expect.poll(() => l.page.locator(".toolbar .month").textContent()).not.toBe(thisWeek);
    const gap = l.page.locator(".agenda li button", { hasText: "0 scheduled, 1 needed" });
    await expect.poll(() => gap.count()).toBe(1);
    await expect.poll(() => l.page.locator(".heatmap td.short").count()).toBe(4); // Tuesday 09–13, hour by hour
    await l.page.screenshot({ path: `${shots}coverage.png`, fullPage: true });
    expect(await audit(l.page)).toEqual([]);
    await gap.click();
    await l.page.getByRole("button", { name: "Schedule Ann Archer" }).click();
    await expect.poll(() => l.page.getByRole("status").first().textContent()).toContain("Scheduled Ann Archer");
    await expect.poll(() => l.page.locator(".agenda li button", { hasText: "needed" }).count()).toBe(0);
    await expect.poll(() => l.page.locator(".heatmap td.short").count()).toBe(0);
    // Ann gives that shift to Ben, who accepts; the team wants a lead's approval, which the lead gives here.
    const week = { from: new Date().toISOString(), to: new Date(Date.now() + 21 * 86_400_000).toISOString() };
    const shift = (await t.admin.get(`/v1/shifts?teamId=${team.id}&from=${week.from}&to=${week.to}`)).body.items[0];
    expect(shift.personId).toBe(ann.personId);
    // She gives it to him by name from My schedule.
    const a = await signedIn(ann);
    await a.page.getByRole("link", { name: "My schedule" }).click();
    await a.page.locator(".agenda li", { has: a.page.locator(".kind.shift") }).getByRole("button", { name: "Give or trade…" }).click();
    const panel = a.page.getByRole("region", { name: "Give or trade" });
    await panel.getByLabel("Find a person").fill("Ben");
    await expect.poll(() => panel.getByLabel("To").inputValue()).toBe(ben.personId);
    await panel.getByRole("button", { name: "Offer", exact: true }).click();
    await expect.poll(() => a.page.getByRole("status").first().textContent()).toContain("Offered to Ben Baker");
    const swaps = (await ben.get("/v1/swaps?status=pending")).body.items.filter((w: { offered: { id: string } }) => w.offered.id === shift.id);
    expect(swaps.map((w: { kind: string; counterpartId: string }) => [w.kind, w.counterpartId])).toEqual([["give_away", ben.personId]]);
    const swap = { body: swaps[0] };
    expect((await ben.post(`/v1/swaps/${swap.body.id}/accept`)).body.swap.status).toBe("accepted");
    await a.context.close();
    await l.page.getByRole("link", { name: "On call" }).click();
    await l.page.getByRole("link", { name: "Coverage" }).click();
    const approval = l.page.locator(".agenda li", { hasText: "Ann Archer → Ben Baker" });
    await approval.getByRole("button", { name: "Approve" }).click();
    await expect.poll(() => l.page.getByRole("status").first().textContent()).toContain("Swap approved");
    expect((await t.admin.get(`/v1/swaps/${swap.body.id}`)).body.status).toBe("approved");
    // A member has no coverage page.
    const b = await signedIn(ben);
    expect(await b.page.getByRole("link", { name: "Coverage" }).count()).toBe(0);
    await l.context.close();
    await b.context.close();
  });

  it("has no serious accessibility violations (axe-core), and fits a phone's width", async () => {
    // axe is injected as an inline script, which the pages' CSP rightly refuses: this context bypasses it.
    const phone = await signedIn(ben, { bypassCSP: true, viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await toSlotsMonth(phone.page);
    expect(await audit(phone.page)).toEqual([]);
    expect(await phone.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    await phone.page.screenshot({ path: `${shots}duty-calendar-phone.png`, fullPage: true });
    await phone.page.getByRole("link", { name: "On call" }).click();
    await phone.page.getByRole("heading", { name: /the next two weeks/ }).waitFor();
    expect(await audit(phone.page)).toEqual([]);
    await phone.page.getByRole("link", { name: "My schedule" }).click();
    await phone.page.getByRole("heading", { name: "Request time off" }).waitFor();
    expect(await audit(phone.page)).toEqual([]);
    await phone.page.getByRole("button", { name: "Week", exact: true }).click();
    await phone.page.locator(".week-view").waitFor();
    expect(await audit(phone.page)).toEqual([]);
    expect(await phone.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);

    await phone.page.goto(`${base}/sign-in`);
    expect(await audit(phone.page)).toEqual([]);
    await phone.page.screenshot({ path: `${shots}sign-in.png`, fullPage: true });
    await phone.context.close();
  });

  it("draws a 1,000-person company's month (200 slots, 1,000 bookings) after the first load; the time is reported", async () => {
    const program = await t.admin.post("/v1/duty-programs", { name: "Company chat duty", timeZone: ZONE, hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "08:00", end: "18:00" }] }, seatsPerSlot: 5, quotaPerMonth: 1 });
    expect(program.status).toBe(201);
    const staff = await t.handle.db
      .insert(people)
      .values(Array.from({ length: 1000 }, (_, i) => ({ name: `Employee ${i}`, email: `employee${i}@big.test`, timeZone: ZONE, role: "member" as const })))
      .returning({ id: people.id });
    // Next month, 20 weekdays × 10 hourly slots, 5 seats each, all taken.
    const now = new Date();
    const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
    const monthText = month.toISOString().slice(0, 7);
    const days: Date[] = [];
    for (let d = new Date(month); days.length < 20; d = new Date(d.getTime() + 86_400_000)) if (d.getUTCDay() % 6 !== 0) days.push(d);
    const slotRows = days.flatMap((day) => Array.from({ length: 10 }, (_, h) => ({ programId: program.body.id, month: monthText, startAt: new Date(day.getTime() + (7 + h) * 3_600_000), endAt: new Date(day.getTime() + (8 + h) * 3_600_000), seats: 5 })));
    const inserted = await t.handle.db.insert(dutySlots).values(slotRows).returning({ id: dutySlots.id, startAt: dutySlots.startAt, endAt: dutySlots.endAt });
    await t.handle.db.insert(dutyBookings).values(staff.map((p, i) => {
      const slot = inserted[Math.floor(i / 5)]!;
      return { slotId: slot.id, programId: program.body.id, month: monthText, personId: p.id, startAt: slot.startAt, endAt: slot.endAt };
    }));

    const b = await signedIn(ben);
    const url = `${base}/duty?program=${program.body.id}&month=${monthText}`;
    // The very first load, in a browser context that has fetched nothing yet (signed in by a stored token).
    const token = (await t.admin.post("/v1/tokens", { name: "cold", personId: ben.personId })).body.token as string;
    const context = await browser.newContext({ timezoneId: ZONE });
    await context.addInitScript(`localStorage.setItem("rota.token", ${JSON.stringify(token)})`);
    const cold = { context, page: await context.newPage() };
    await cold.page.goto(url);
    await cold.page.locator("button.slot").nth(199).waitFor({ timeout: 15_000 });
    const coldMs = (await cold.page.evaluate("performance.now()")) as number;
    await cold.context.close();
    await b.page.goto(url);
    await expect.poll(() => b.page.locator("button.slot").count(), { timeout: 15_000 }).toBe(200);
    const timings: number[] = [];
    for (let i = 0; i < 3; i++) {
      await b.page.goto(url);
      await b.page.locator("button.slot").nth(199).waitFor({ timeout: 15_000 });
      timings.push((await b.page.evaluate("performance.now()")) as number);
    }
    expect(await b.page.locator("button.slot.full").count()).toBe(200);
    await b.page.screenshot({ path: `${shots}duty-calendar-1000-people.png`, fullPage: true });
    const median = timings.sort((x, y) => x - y)[1]!;
    console.log(`web: 200-slot month drawn ${Math.round(median)} ms after navigation (median of 3 reloads: ${timings.map(Math.round).join(", ")} ms; first load with nothing cached ${Math.round(coldMs)} ms)`);
    await b.context.close();
  });
});
