import { createHmac, randomBytes } from "node:crypto";
import { DateTime } from "luxon";
import type { ApiResponse, Client, TestApp } from "./app.ts";

/**
 * The world the authorization matrix runs in, built through the API as an
 * admin: team 1 (lead L1, member M1, teammate P1), team 2 (lead L2, member
 * M2), N in no team, and the objects every operation needs. Each operation
 * has a factory that returns a valid request for one caller, making a fresh
 * target first when the request changes or consumes it, so no cell depends
 * on another's order.
 */

export const CALLERS = ["anonymous", "bad", "revoked", "member", "otherMember", "noTeam", "lead", "otherLead", "admin"] as const;
export type Caller = (typeof CALLERS)[number];

export interface Probe {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  url: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  /** Sent with a new token of the same caller (for requests that use up the token they come with: sign-out). */
  freshToken?: boolean;
  /** A route that needs no token: callers without a valid one get a request each, as the signed-in do. */
  public?: boolean;
  /** A body field set to the caller's own person id (acting for oneself, e.g. going on call). */
  selfField?: string;
}

/** The same valid request for every caller; a fresh target each call where the request would use it up. */
export type ProbeFactory = () => Promise<Probe>;

const ZONE = "Europe/London";
const SLACK_TEAM_ID = "TMATRIX1";
const SLACK_SECRET = `matrix-signing-secret-${randomBytes(8).toString("hex")}`;
const NOTE = "private medical note";

function must<T = any>(res: ApiResponse<T>, status: number, what: string): T {
  if (res.status !== status) throw new Error(`matrix fixture: ${what} answered ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Disjoint one-hour windows from `base`, on the hour: no two fixtures ever overlap for anyone. */
function windows(base: DateTime) {
  let next = 0;
  return () => {
    const start = base.plus({ hours: 2 * next++ });
    return { start: start.toISO()!, end: start.plus({ hours: 1 }).toISO()! };
  };
}

export interface MatrixWorld {
  clients: Record<Caller, Client>;
  /** The caller with a new token of their own (signed-in callers), or as they are (the rest). */
  freshClient(caller: Caller): Promise<Client>;
  probes: Record<string, ProbeFactory>;
  /** Reads whose answer depends on who asks: the request, and whether the answer shows M1's private part. */
  disclosures: Record<string, { probe: Probe; shows: (body: any) => boolean }>;
  /** The unauthenticated /docs pages, which openapi.yaml does not list. */
  docs: Probe[];
  /** A Slack command without a valid signature, whatever bearer token comes with it. */
  unsignedSlackCommand(): Probe;
}

export async function buildMatrixWorld(t: TestApp): Promise<MatrixWorld> {
  const admin = t.admin;
  let counter = 0;
  const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
  // Everything happens a month ahead; reads look at its first week.
  const base = DateTime.utc().plus({ days: 30 }).startOf("day");
  const window = windows(base);
  const week = { from: base.toISO()!, to: base.plus({ days: 7 }).toISO()! };
  const windowQuery = `from=${encodeURIComponent(week.from)}&to=${encodeURIComponent(week.to)}`;
  const month = DateTime.now().setZone(ZONE).plus({ months: 3 }).toFormat("yyyy-MM");

  // People. Roles: leads have the lead role and the lead flag on their team.
  const lead = await t.person({ role: "lead", name: "L1 Lead of team 1", timeZone: ZONE });
  const member = await t.person({ name: "M1 Member of team 1", timeZone: ZONE });
  const peer = await t.person({ name: "P1 Teammate of M1", timeZone: ZONE });
  const otherLead = await t.person({ role: "lead", name: "L2 Lead of team 2", timeZone: ZONE });
  const otherMember = await t.person({ name: "M2 Member of team 2", timeZone: ZONE });
  const noTeam = await t.person({ name: "N In no team", timeZone: ZONE });
  // Leads never act on an admin as a person, even one in their team.
  const teamAdmin = await t.person({ role: "admin", name: "A1 Admin in team 1", timeZone: ZONE });

  // An admin's token, revoked: if revocation ever failed, every cell of this column would show it.
  const revoked = must(await admin.post("/v1/tokens", { name: "matrix revoked" }), 201, "revoked token");
  must(await admin.delete(`/v1/tokens/${revoked.id}`), 200, "revoking the token");

  const team1 = must(
    await admin.post("/v1/teams", { name: unique("Team 1"), timeZone: ZONE, selfScheduling: true, swapApprovalRequired: true }),
    201,
    "team 1",
  ).id as string;
  const team2 = must(await admin.post("/v1/teams", { name: unique("Team 2"), timeZone: ZONE, selfScheduling: true }), 201, "team 2").id as string;
  const join = async (teamId: string, personId: string, isLead = false) =>
    must(await admin.post(`/v1/teams/${teamId}/members`, { personId, isLead }), 201, "membership");
  await join(team1, lead.personId, true);
  await join(team1, member.personId);
  await join(team1, peer.personId);
  await join(team1, teamAdmin.personId);
  await join(team2, otherLead.personId, true);
  await join(team2, otherMember.personId);

  // Fresh targets, made by the admin.
  const freshPerson = async (options: { role?: "member" | "lead" | "admin"; team?: string } = {}) => {
    const person = must(
      await admin.post("/v1/people", { name: unique("Target"), email: `${unique("target")}@example.test`, timeZone: ZONE, role: options.role ?? "member" }),
      201,
      "target person",
    ).id as string;
    if (options.team) await join(options.team, person);
    return person;
  };
  const freshTeam = async () => {
    const id = must(await admin.post("/v1/teams", { name: unique("Team 1 bis"), timeZone: ZONE }), 201, "fresh team").id as string;
    await join(id, lead.personId, true);
    await join(id, member.personId);
    return id;
  };
  const freshShift = async (personId: string) =>
    must(await admin.post("/v1/shifts", { teamId: team1, personId, ...window() }), 201, "shift").id as string;
  let patterns = 0;
  const freshPattern = async () => {
    // Starts beyond the 8-week horizon, so it makes no shifts that could collide with other cells.
    const day = DateTime.now().setZone(ZONE).plus({ days: 200 + patterns++ }).toFormat("yyyy-MM-dd");
    return { teamId: team1, personId: member.personId, rrule: "FREQ=WEEKLY;COUNT=1", start: `${day}T07:00`, endTime: "08:00" };
  };
  const programBody = () => ({
    name: unique("Chat duty"),
    timeZone: ZONE,
    hours: { windows: [{ days: ["mon", "tue", "wed", "thu", "fri"], start: "10:00", end: "11:00" }] },
    supportTeamId: team1,
  });
  const freshProgram = async () => must(await admin.post("/v1/duty-programs", programBody()), 201, "duty program").id as string;
  const freshSlot = async (programId: string) =>
    must(await admin.post(`/v1/duty-programs/${programId}/slots`, window()), 201, "duty slot").id as string;
  const freshBooking = async () => {
    const programId = await freshProgram();
    const slotId = await freshSlot(programId);
    const booking = must(await admin.post(`/v1/duty-slots/${slotId}/bookings`, { personId: member.personId }), 201, "booking").id as string;
    return { programId, slotId, booking };
  };
  const freshTimeOff = async (personId = member.personId, when = window()) =>
    must(await admin.post("/v1/time-off", { personId, ...when, reason: "sick", note: NOTE }), 201, "time off").id as string;
  /** Started an hour ago: only a lead may still cancel it. */
  const started = (() => {
    let next = 0;
    return () => {
      const start = DateTime.utc().startOf("hour").minus({ hours: 1 + 2 * next++ });
      return { start: start.toISO()!, end: start.plus({ hours: 3 }).toISO()! };
    };
  })();
  /** A give-away between M1 and P1 of a fresh shift, moved on to `status`. */
  const freshSwap = async (from: "member" | "peer", status: "pending" | "accepted" | "approved" = "pending") => {
    const [giver, taker] = from === "member" ? [member.personId, peer.personId] : [peer.personId, member.personId];
    const shift = await freshShift(giver);
    const id = must(
      await admin.post("/v1/swaps", { kind: "give_away", requesterId: giver, counterpartId: taker, offered: { kind: "shift", id: shift } }),
      201,
      "swap",
    ).id as string;
    if (status !== "pending") must(await admin.post(`/v1/swaps/${id}/accept`), 200, "accepting the swap");
    if (status === "approved") must(await admin.post(`/v1/swaps/${id}/approve`), 200, "approving the swap");
    return id;
  };
  const freshOverride = async () =>
    must(await admin.post(`/v1/schedules/${schedule}/overrides`, { personId: member.personId, ...window() }), 201, "override").id as string;

  // Shared objects, which no cell deletes or consumes.
  const startDate = DateTime.now().setZone(ZONE).startOf("week").toFormat("yyyy-MM-dd");
  const scheduleBody = () => ({
    name: unique("Team 1 on call"),
    timeZone: ZONE,
    teamId: team1,
    layers: [{ participants: [member.personId, lead.personId], turn: { unit: "weeks", count: 1 }, handoffTime: "09:00", startDate }],
  });
  const schedule = must(await admin.post("/v1/schedules", scheduleBody()), 201, "schedule").id as string;
  const oauth = { kind: "oauth", clientId: "matrix.apps.googleusercontent.com", clientSecret: "matrix-secret", refreshToken: "1//matrix" };
  const targetBody = (kind: string, id: string) => ({ subject: { kind, id }, calendarId: `${unique("cal")}@group.calendar.google.com`, credentials: oauth });
  const freshTarget = async () => must(await member.post("/v1/calendar-targets", targetBody("person", member.personId)), 201, "calendar target").id as string;
  const memberTarget = await freshTarget();
  const memberFeed = must(await member.post("/v1/feeds", { subject: { kind: "person", id: member.personId } }), 201, "feed") as { id: string; url: string };
  const requirement = must(
    await admin.post(`/v1/teams/${team1}/staffing-requirements`, { days: ["mon"], start: "09:00", end: "17:00", headcount: 1 }),
    201,
    "staffing requirement",
  ).id as string;
  const shift = await freshShift(member.personId);
  const pattern = must(await admin.post("/v1/shift-patterns", await freshPattern()), 201, "shift pattern").pattern.id as string;
  const program = await freshProgram();
  const slot = await freshSlot(program);
  const timeOffWindow = window();
  const timeOff = await freshTimeOff(member.personId, timeOffWindow);
  const swap = await freshSwap("member");
  const openSwap = must(
    await admin.post("/v1/swaps", { kind: "open", requesterId: member.personId, offered: { kind: "shift", id: await freshShift(member.personId) } }),
    201,
    "open swap",
  ).id as string;
  const dutySwap = must(
    await admin.post("/v1/swaps", { kind: "give_away", requesterId: member.personId, counterpartId: peer.personId, offered: { kind: "duty_booking", id: (await freshBooking()).booking } }),
    201,
    "duty swap",
  ).id as string;
  const teamlessSchedule = must(await admin.post("/v1/schedules", { ...scheduleBody(), teamId: null }), 201, "schedule of no team").id as string;
  // Another team L1 leads: its people are L1's to add to team 1.
  const ledTeam = must(await admin.post("/v1/teams", { name: unique("Team 1 nights"), timeZone: ZONE }), 201, "second team of L1").id as string;
  await join(ledTeam, lead.personId, true);
  must(await admin.post("/v1/slack/workspaces", { slackTeamId: SLACK_TEAM_ID, name: "Matrix", signingSecret: SLACK_SECRET, defaultScheduleId: schedule }), 201, "Slack workspace");

  const clients: Record<Caller, Client> = {
    anonymous: t.anonymous,
    bad: t.as(`rota_${randomBytes(32).toString("base64url")}`),
    revoked: t.as(revoked.token),
    member,
    otherMember,
    noTeam,
    lead,
    otherLead,
    admin,
  };

  const slackCommand = (signed: boolean): Probe => {
    const rawBody = new URLSearchParams({ team_id: SLACK_TEAM_ID, user_id: "U0MATRIX", command: "/oncall", text: "" }).toString();
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac("sha256", signed ? SLACK_SECRET : "not-the-signing-secret").update(`v0:${timestamp}:${rawBody}`).digest("hex")}`;
    return {
      method: "POST",
      url: "/v1/slack/commands",
      rawBody,
      headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": String(timestamp), "x-slack-signature": signature },
    };
  };

  const get = (url: string): ProbeFactory => async () => ({ method: "GET", url });

  const probes: Record<string, ProbeFactory> = {
    "GET /healthz": get("/healthz"),
    "GET /v1/me": get("/v1/me"),

    // People: the target is M1, the member column's own record.
    "GET /v1/people": get("/v1/people"),
    "POST /v1/people": async () => ({ method: "POST", url: "/v1/people", body: { name: unique("New"), email: `${unique("new")}@example.test`, timeZone: ZONE } }),
    "GET /v1/people/{id}": get(`/v1/people/${member.personId}`),
    "PATCH /v1/people/{id}": async () => ({ method: "PATCH", url: `/v1/people/${member.personId}`, body: { title: "Agent" } }),
    "DELETE /v1/people/{id}": async () => ({ method: "DELETE", url: `/v1/people/${await freshPerson({ team: team1 })}` }),
    // A fresh email each time: a row that changes nothing needs no right.
    "POST /v1/imports": async () => ({
      method: "POST",
      url: "/v1/imports",
      body: {
        from: "ical",
        export: "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//matrix//EN\r\nBEGIN:VEVENT\r\nUID:m1@matrix\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270104T090000Z\r\nDTEND:20270105T090000Z\r\nSUMMARY:On call\r\nATTENDEE;CN=M:mailto:m1@example.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        window: { from: "2027-01-04T00:00:00Z", to: "2027-01-11T00:00:00Z" },
      },
    }),
    "POST /v1/people/import": async () => ({ method: "POST", url: "/v1/people/import", body: { people: [{ name: unique("Imported"), email: `${unique("imported")}@example.test`, timeZone: ZONE }] } }),

    // Teams: team 1, or a fresh team that L1 leads and M1 is in.
    "GET /v1/teams": get("/v1/teams"),
    "POST /v1/teams": async () => ({ method: "POST", url: "/v1/teams", body: { name: unique("New team"), timeZone: ZONE } }),
    "GET /v1/teams/{id}": get(`/v1/teams/${team1}`),
    "PATCH /v1/teams/{id}": async () => ({ method: "PATCH", url: `/v1/teams/${team1}`, body: { description: "First line support" } }),
    "DELETE /v1/teams/{id}": async () => ({ method: "DELETE", url: `/v1/teams/${await freshTeam()}` }),
    "GET /v1/teams/{id}/members": get(`/v1/teams/${team1}/members`),
    // The person added is in no team yet: the case a lead may add.
    "POST /v1/teams/{id}/members": async () => ({ method: "POST", url: `/v1/teams/${team1}/members`, body: { personId: await freshPerson() } }),
    "PATCH /v1/teams/{id}/members/{personId}": async () => ({ method: "PATCH", url: `/v1/teams/${team1}/members/${member.personId}`, body: { isLead: false } }),
    "DELETE /v1/teams/{id}/members/{personId}": async () => ({ method: "DELETE", url: `/v1/teams/${team1}/members/${await freshPerson({ team: team1 })}` }),

    // Tokens: M1's.
    "GET /v1/tokens": get(`/v1/tokens?personId=${member.personId}`),
    "POST /v1/tokens": async () => ({ method: "POST", url: "/v1/tokens", body: { name: "matrix", personId: member.personId } }),
    "DELETE /v1/tokens/{id}": async () => ({
      method: "DELETE",
      url: `/v1/tokens/${must(await admin.post("/v1/tokens", { name: "matrix target", personId: member.personId }), 201, "token").id}`,
    }),

    // Support hours, staffing and coverage of team 1.
    "GET /v1/teams/{id}/support-hours": get(`/v1/teams/${team1}/support-hours`),
    // 24/7: every shift of the other cells stays inside support hours.
    "PUT /v1/teams/{id}/support-hours": async () => ({ method: "PUT", url: `/v1/teams/${team1}/support-hours`, body: { allWeek: true } }),
    "GET /v1/teams/{id}/support-hours/expanded": get(`/v1/teams/${team1}/support-hours/expanded?${windowQuery}`),
    "GET /v1/teams/{id}/staffing-requirements": get(`/v1/teams/${team1}/staffing-requirements`),
    "POST /v1/teams/{id}/staffing-requirements": async () => ({
      method: "POST",
      url: `/v1/teams/${team1}/staffing-requirements`,
      body: { days: ["tue"], start: "09:00", end: "12:00", headcount: 1 },
    }),
    "PATCH /v1/teams/{id}/staffing-requirements/{requirementId}": async () => ({
      method: "PATCH",
      url: `/v1/teams/${team1}/staffing-requirements/${requirement}`,
      body: { headcount: 2 },
    }),
    "DELETE /v1/teams/{id}/staffing-requirements/{requirementId}": async () => ({
      method: "DELETE",
      url: `/v1/teams/${team1}/staffing-requirements/${
        must(await admin.post(`/v1/teams/${team1}/staffing-requirements`, { days: ["wed"], start: "09:00", end: "12:00", headcount: 1 }), 201, "requirement").id
      }`,
    }),
    "GET /v1/teams/{id}/coverage": get(`/v1/teams/${team1}/coverage?${windowQuery}`),
    "GET /v1/teams/{id}/coverage/candidates": get(
      `/v1/teams/${team1}/coverage/candidates?start=${encodeURIComponent(week.from)}&end=${encodeURIComponent(DateTime.fromISO(week.from).plus({ hours: 8 }).toUTC().toISO()!)}`,
    ),
    "GET /v1/teams/{id}/hours": get(`/v1/teams/${team1}/hours?${windowQuery}`),

    // Shifts of M1 on team 1 (which allows self-scheduling).
    "GET /v1/shifts": get(`/v1/shifts?teamId=${team1}`),
    "POST /v1/shifts": async () => ({ method: "POST", url: "/v1/shifts", body: { teamId: team1, personId: member.personId, ...window() } }),
    "GET /v1/shifts/{id}": get(`/v1/shifts/${shift}`),
    "PATCH /v1/shifts/{id}": async () => ({ method: "PATCH", url: `/v1/shifts/${shift}`, body: { note: "Covering the phones" } }),
    "DELETE /v1/shifts/{id}": async () => ({ method: "DELETE", url: `/v1/shifts/${await freshShift(member.personId)}` }),
    "GET /v1/shift-patterns": get(`/v1/shift-patterns?teamId=${team1}`),
    "POST /v1/shift-patterns": async () => ({ method: "POST", url: "/v1/shift-patterns", body: await freshPattern() }),
    "GET /v1/shift-patterns/{id}": get(`/v1/shift-patterns/${pattern}`),
    "DELETE /v1/shift-patterns/{id}": async () => ({
      method: "DELETE",
      url: `/v1/shift-patterns/${must(await admin.post("/v1/shift-patterns", await freshPattern()), 201, "pattern").pattern.id}`,
    }),

    // Chat duty: a program team 1 supports; bookings are M1's.
    "GET /v1/duty-programs": get("/v1/duty-programs"),
    "POST /v1/duty-programs": async () => ({ method: "POST", url: "/v1/duty-programs", body: programBody() }),
    "GET /v1/duty-programs/{id}": get(`/v1/duty-programs/${program}`),
    "PATCH /v1/duty-programs/{id}": async () => ({ method: "PATCH", url: `/v1/duty-programs/${program}`, body: { changeCutoffMinutes: 1440 } }),
    "POST /v1/duty-programs/{id}/months/{month}/slots": async () => ({ method: "POST", url: `/v1/duty-programs/${program}/months/${month}/slots` }),
    "GET /v1/duty-programs/{id}/slots": get(`/v1/duty-programs/${program}/slots?month=${month}`),
    "POST /v1/duty-programs/{id}/slots": async () => ({ method: "POST", url: `/v1/duty-programs/${program}/slots`, body: window() }),
    "PATCH /v1/duty-slots/{id}": async () => ({ method: "PATCH", url: `/v1/duty-slots/${slot}`, body: { closed: false } }),
    "POST /v1/duty-slots/{id}/bookings": async () => ({
      method: "POST",
      url: `/v1/duty-slots/${await freshSlot(await freshProgram())}/bookings`,
      body: { personId: member.personId },
    }),
    "DELETE /v1/duty-bookings/{id}": async () => ({ method: "DELETE", url: `/v1/duty-bookings/${(await freshBooking()).booking}` }),
    "POST /v1/duty-bookings/{id}/move": async () => {
      const { programId, booking } = await freshBooking();
      return { method: "POST", url: `/v1/duty-bookings/${booking}/move`, body: { slotId: await freshSlot(programId) } };
    },
    "GET /v1/duty-programs/{id}/on-duty": get(`/v1/duty-programs/${program}/on-duty`),
    "GET /v1/duty-programs/{id}/months/{month}/unbooked": get(`/v1/duty-programs/${program}/months/${month}/unbooked`),
    // A dry run: it changes nothing.
    "POST /v1/duty-programs/{id}/months/{month}/auto-assign": async () => ({ method: "POST", url: `/v1/duty-programs/${program}/months/${month}/auto-assign` }),

    // On call: team 1's schedule, M1 and L1 its participants.
    "GET /v1/schedules": get(`/v1/schedules?teamId=${team1}`),
    "POST /v1/schedules": async () => ({ method: "POST", url: "/v1/schedules", body: scheduleBody() }),
    "GET /v1/schedules/{id}": get(`/v1/schedules/${schedule}`),
    "PATCH /v1/schedules/{id}": async () => ({ method: "PATCH", url: `/v1/schedules/${schedule}`, body: { description: "Team 1 out of hours" } }),
    "DELETE /v1/schedules/{id}": async () => ({
      method: "DELETE",
      url: `/v1/schedules/${must(await admin.post("/v1/schedules", scheduleBody()), 201, "schedule").id}`,
    }),
    "GET /v1/schedules/{id}/segments": get(`/v1/schedules/${schedule}/segments?${windowQuery}`),
    "GET /v1/schedules/{id}/gaps": get(`/v1/schedules/${schedule}/gaps?${windowQuery}`),
    "GET /v1/schedules/{id}/handoffs": get(`/v1/schedules/${schedule}/handoffs?${windowQuery}`),
    "GET /v1/schedules/{id}/overrides": get(`/v1/schedules/${schedule}/overrides?${windowQuery}`),
    // Every caller puts themself on call (finding 8: a person in no team could).
    "POST /v1/schedules/{id}/overrides": async () => ({ method: "POST", url: `/v1/schedules/${schedule}/overrides`, body: window(), selfField: "personId" }),
    "DELETE /v1/schedules/{id}/overrides/{overrideId}": async () => ({ method: "DELETE", url: `/v1/schedules/${schedule}/overrides/${await freshOverride()}` }),
    "GET /v1/oncall": get(`/v1/oncall?schedule=${schedule}`),

    // Slack: signed by the workspace's secret; bearer tokens play no part.
    "POST /v1/slack/commands": async () => slackCommand(true),
    "GET /v1/slack/workspaces": get("/v1/slack/workspaces"),
    "POST /v1/slack/workspaces": async () => ({
      method: "POST",
      url: "/v1/slack/workspaces",
      body: { slackTeamId: unique("T").toUpperCase(), name: "Another workspace", signingSecret: randomBytes(16).toString("hex") },
    }),

    // Time off: M1's, with a private note.
    "GET /v1/time-off": get(`/v1/time-off?personId=${member.personId}`),
    "POST /v1/time-off": async () => ({ method: "POST", url: "/v1/time-off", body: { personId: member.personId, ...window(), reason: "vacation" } }),
    "GET /v1/time-off/{id}": get(`/v1/time-off/${timeOff}`),
    "POST /v1/time-off/{id}/approve": async () => ({ method: "POST", url: `/v1/time-off/${await freshTimeOff()}/approve`, body: {} }),
    "POST /v1/time-off/{id}/deny": async () => ({ method: "POST", url: `/v1/time-off/${await freshTimeOff()}/deny`, body: {} }),
    "POST /v1/time-off/{id}/cancel": async () => ({ method: "POST", url: `/v1/time-off/${await freshTimeOff()}/cancel` }),
    "GET /v1/conflicts": get(`/v1/conflicts?teamId=${team1}&${windowQuery}`),

    // Swaps of team-1 shifts between M1 and their teammate P1.
    "GET /v1/swaps": get(`/v1/swaps?personId=${member.personId}`),
    "POST /v1/swaps": async () => ({
      method: "POST",
      url: "/v1/swaps",
      body: { kind: "give_away", requesterId: member.personId, counterpartId: peer.personId, offered: { kind: "shift", id: await freshShift(member.personId) } },
    }),
    "GET /v1/swaps/open": get("/v1/swaps/open"),
    "GET /v1/swaps/{id}": get(`/v1/swaps/${swap}`),
    // P1 offers to M1: the member column is the counterpart.
    "POST /v1/swaps/{id}/accept": async () => ({ method: "POST", url: `/v1/swaps/${await freshSwap("peer")}/accept` }),
    "POST /v1/swaps/{id}/decline": async () => ({ method: "POST", url: `/v1/swaps/${await freshSwap("peer")}/decline` }),
    "POST /v1/swaps/{id}/approve": async () => ({ method: "POST", url: `/v1/swaps/${await freshSwap("peer", "accepted")}/approve` }),
    "POST /v1/swaps/{id}/complete": async () => ({ method: "POST", url: `/v1/swaps/${await freshSwap("peer", "approved")}/complete` }),
    // M1 offers to P1: the member column is the requester.
    "POST /v1/swaps/{id}/cancel": async () => ({ method: "POST", url: `/v1/swaps/${await freshSwap("member")}/cancel` }),
    "GET /v1/people/{id}/assignments": get(`/v1/people/${member.personId}/assignments?${windowQuery}`),

    // Feeds: M1's feed of their own assignments.
    "GET /v1/feeds": get(`/v1/feeds?ownerId=${member.personId}`),
    "POST /v1/feeds": async () => ({ method: "POST", url: "/v1/feeds", body: { subject: { kind: "person", id: member.personId } } }),
    "GET /v1/feeds/{id}": get(`/v1/feeds/${memberFeed.id}`),
    "DELETE /v1/feeds/{id}": async () => ({
      method: "DELETE",
      url: `/v1/feeds/${must(await member.post("/v1/feeds", { subject: { kind: "person", id: member.personId } }), 201, "feed").id}`,
    }),
    "GET /v1/feeds/{token}.ics": get(new URL(memberFeed.url).pathname),
    // Web sign-in: a link for M1; exchanging it (no bearer token needed); signing out with the caller's own token.
    "POST /v1/people/{id}/sign-in-links": async () => ({ method: "POST", url: `/v1/people/${member.personId}/sign-in-links` }),
    "POST /v1/sign-in": async () => ({
      method: "POST",
      public: true,
      url: "/v1/sign-in",
      body: { link: new URL(must(await admin.post(`/v1/people/${member.personId}/sign-in-links`), 201, "sign-in link").url).hash.slice(1) },
    }),
    "DELETE /v1/tokens/current": async () => ({ method: "DELETE", url: "/v1/tokens/current", freshToken: true }),
    // Google Calendar sync targets: M1's of their own assignments.
    "GET /v1/calendar-targets": get("/v1/calendar-targets"),
    "POST /v1/calendar-targets": async () => ({ method: "POST", url: "/v1/calendar-targets", body: targetBody("person", member.personId) }),
    "GET /v1/calendar-targets/{id}": get(`/v1/calendar-targets/${memberTarget}`),
    "PATCH /v1/calendar-targets/{id}": async () => ({ method: "PATCH", url: `/v1/calendar-targets/${memberTarget}`, body: { name: unique("Renamed") } }),
    "POST /v1/calendar-targets/{id}/sync": async () => ({ method: "POST", url: `/v1/calendar-targets/${memberTarget}/sync` }),
    "DELETE /v1/calendar-targets/{id}": async () => ({ method: "DELETE", url: `/v1/calendar-targets/${await freshTarget()}` }),
    "GET /v1/audit": get("/v1/audit"),

    // Variants: the same operation on a target that exercises one more rule.
    "POST /v1/teams/{id}/members (a member of team 2)": async () => ({
      method: "POST",
      url: `/v1/teams/${team1}/members`,
      body: { personId: await freshPerson({ team: team2 }) },
    }),
    "POST /v1/teams/{id}/members (an admin)": async () => ({ method: "POST", url: `/v1/teams/${team1}/members`, body: { personId: await freshPerson({ role: "admin" }) } }),
    "PATCH /v1/teams/{id}/members/{personId} (an admin in team 1)": async () => ({
      method: "PATCH",
      url: `/v1/teams/${team1}/members/${teamAdmin.personId}`,
      body: { isLead: false },
    }),
    "DELETE /v1/teams/{id}/members/{personId} (an admin in team 1)": async () => ({
      method: "DELETE",
      url: `/v1/teams/${team1}/members/${await freshPerson({ role: "admin", team: team1 })}`,
    }),
    "PATCH /v1/people/{id} (skills and trainedAt of M1)": async () => ({
      method: "PATCH",
      url: `/v1/people/${member.personId}`,
      body: { skills: ["french"], trainedAt: "2026-01-05T09:00:00Z" },
    }),
    "PATCH /v1/people/{id} (skills of an admin in team 1)": async () => ({ method: "PATCH", url: `/v1/people/${teamAdmin.personId}`, body: { skills: ["legal"] } }),
    "POST /v1/time-off (for an admin in team 1)": async () => ({
      method: "POST",
      url: "/v1/time-off",
      body: { personId: teamAdmin.personId, ...window(), reason: "vacation" },
    }),
    "POST /v1/time-off/{id}/approve (an admin's time off)": async () => ({
      method: "POST",
      url: `/v1/time-off/${await freshTimeOff(teamAdmin.personId)}/approve`,
      body: {},
    }),
    "POST /v1/time-off/{id}/cancel (after it started)": async () => ({ method: "POST", url: `/v1/time-off/${await freshTimeOff(member.personId, started())}/cancel` }),
    "POST /v1/teams/{id}/members (a member of another team L1 leads)": async () => ({
      method: "POST",
      url: `/v1/teams/${team1}/members`,
      body: { personId: await freshPerson({ team: ledTeam }) },
    }),
    "POST /v1/people/import (a lead)": async () => ({
      method: "POST",
      url: "/v1/people/import",
      rawBody: `name,email,timeZone,role\n${unique("Imported lead")},${unique("imported")}@example.test,${ZONE},lead\n`,
      headers: { "content-type": "text/csv" },
    }),
    "POST /v1/people/import (new members of team 1)": async () => ({
      method: "POST",
      url: "/v1/people/import",
      body: { people: [{ name: unique("Imported"), email: `${unique("imported")}@example.test`, timeZone: ZONE, teams: [{ team: team1 }] }] },
    }),
    // A known person, matched by email: L1 may not take them from team 2, which L1 does not lead.
    "POST /v1/people/import (a member of team 2 into team 1)": async () => {
      const personId = await freshPerson({ team: team2 });
      const { email } = must(await admin.get(`/v1/people/${personId}`), 200, "person") as { email: string };
      return { method: "POST", url: "/v1/people/import", body: { people: [{ email, teams: [{ team: team1 }] }] } };
    },
    "POST /v1/people (a lead)": async () => ({
      method: "POST",
      url: "/v1/people",
      body: { name: unique("New lead"), email: `${unique("new")}@example.test`, timeZone: ZONE, role: "lead" },
    }),
    "PATCH /v1/schedules/{id} (a schedule of no team)": async () => ({ method: "PATCH", url: `/v1/schedules/${teamlessSchedule}`, body: { description: "Company-wide" } }),
    "GET /v1/swaps/{id} (an open swap of M1's shift)": get(`/v1/swaps/${openSwap}`),
    // Taking an open shift swap: anyone of the shift's team but the requester; others are not eligible.
    "POST /v1/swaps/{id}/accept (an open swap of P1's shift)": async () => ({
      method: "POST",
      url: `/v1/swaps/${
        must(await admin.post("/v1/swaps", { kind: "open", requesterId: peer.personId, offered: { kind: "shift", id: await freshShift(peer.personId) } }), 201, "open swap").id
      }/accept`,
    }),
    "POST /v1/swaps (M1's duty booking)": async () => ({
      method: "POST",
      url: "/v1/swaps",
      body: { kind: "give_away", requesterId: member.personId, counterpartId: peer.personId, offered: { kind: "duty_booking", id: (await freshBooking()).booking } },
    }),
    "GET /v1/swaps/{id} (a swap of M1's duty booking)": get(`/v1/swaps/${dutySwap}`),
    "POST /v1/feeds (team 1's shifts)": async () => ({ method: "POST", url: "/v1/feeds", body: { subject: { kind: "team", id: team1 } } }),
    "POST /v1/feeds (a schedule)": async () => ({ method: "POST", url: "/v1/feeds", body: { subject: { kind: "schedule", id: schedule } } }),
    "POST /v1/calendar-targets (team 1's shifts)": async () => ({ method: "POST", url: "/v1/calendar-targets", body: targetBody("team", team1) }),
    "POST /v1/calendar-targets (a schedule of team 1)": async () => ({ method: "POST", url: "/v1/calendar-targets", body: targetBody("schedule", schedule) }),
    "POST /v1/shifts (for P1)": async () => ({ method: "POST", url: "/v1/shifts", body: { teamId: team1, personId: peer.personId, ...window() } }),
    "POST /v1/schedules/{id}/overrides (putting P1 on call)": async () => ({
      method: "POST",
      url: `/v1/schedules/${schedule}/overrides`,
      body: { personId: peer.personId, ...window() },
    }),
    "POST /v1/schedules/{id}/overrides (replacing L1)": async () => ({
      method: "POST",
      url: `/v1/schedules/${schedule}/overrides`,
      body: { replacesPersonId: lead.personId, ...window() },
      selfField: "personId",
    }),
  };

  const timeOffQuery = `personId=${member.personId}&from=${encodeURIComponent(timeOffWindow.start)}&to=${encodeURIComponent(timeOffWindow.end)}`;
  const disclosures: MatrixWorld["disclosures"] = {
    "GET /v1/time-off/{id} (M1's note)": { probe: { method: "GET", url: `/v1/time-off/${timeOff}` }, shows: (body) => body.note === NOTE },
    "GET /v1/time-off (M1's note)": {
      probe: { method: "GET", url: `/v1/time-off?${timeOffQuery}` },
      shows: (body) => body.items.find((i: { id: string }) => i.id === timeOff)?.note === NOTE,
    },
    "GET /v1/swaps (M1's swap)": {
      probe: { method: "GET", url: `/v1/swaps?personId=${member.personId}&limit=200` },
      shows: (body) => body.items.some((i: { id: string }) => i.id === swap),
    },
  };

  return {
    clients,
    async freshClient(caller) {
      const personId = (clients[caller] as Client & { personId?: string }).personId;
      if (!personId) return clients[caller];
      return t.as(must(await admin.post("/v1/tokens", { name: "matrix fresh", personId }), 201, "fresh token").token);
    },
    probes,
    disclosures,
    docs: [
      { method: "GET", url: "/docs/" },
      { method: "GET", url: "/docs/json" },
    ],
    unsignedSlackCommand: () => slackCommand(false),
  };
}
