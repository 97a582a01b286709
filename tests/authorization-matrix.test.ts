import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { createTestApp, type ApiResponse, type Client, type TestApp } from "./helpers/app.ts";
import { CALLERS, buildMatrixWorld, type Caller, type MatrixWorld, type Probe } from "./helpers/matrix-fixtures.ts";

/*
 * The rights table: every operation in openapi.yaml × nine callers, and the
 * status each gets for a valid request on team 1's objects (see
 * tests/helpers/matrix-fixtures.ts for the world and the requests).
 *
 *   anonymous    no token              member       M1, member of team 1
 *   bad          an unknown token      otherMember  M2, member of team 2
 *   revoked      an admin's, revoked   noTeam       N, in no team
 *   lead         L1, lead of team 1    otherLead    L2, lead of team 2
 *   admin        an admin
 *
 * A new operation without a row, or a row whose operation is gone, fails.
 */

type Row = Record<Caller, number>;
const UNAUTHENTICATED: ReadonlySet<Caller> = new Set(["anonymous", "bad", "revoked"]);
type SignedIn = Omit<Row, "anonymous" | "bad" | "revoked">;

const row = (cells: SignedIn): Row => ({ anonymous: 401, bad: 401, revoked: 401, ...cells });
/** No bearer token involved: the same answer whoever calls. */
const unauthenticated = (status: number) => Object.fromEntries(CALLERS.map((caller) => [caller, status])) as Row;
/** Anyone signed in. */
const anyone = (ok: number) => row({ member: ok, otherMember: ok, noTeam: ok, lead: ok, otherLead: ok, admin: ok });
/** A lead of team 1, or an admin. */
const teamLead = (ok: number) => row({ member: 403, otherMember: 403, noTeam: 403, lead: ok, otherLead: 403, admin: ok });
/** M1 themself, a lead of their team, or an admin. */
const selfOrLead = (ok: number) => row({ member: ok, otherMember: 403, noTeam: 403, lead: ok, otherLead: 403, admin: ok });
/** People of team 1 (M1, L1) and admins. */
const team1 = (ok: number) => row({ member: ok, otherMember: 403, noTeam: 403, lead: ok, otherLead: 403, admin: ok });
/** Any lead (of any team), or an admin. */
const anyLead = (ok: number) => row({ member: 403, otherMember: 403, noTeam: 403, lead: ok, otherLead: ok, admin: ok });
/** The owner (M1) or an admin; everyone else gets `other`. */
const ownerOrAdmin = (ok: number, other = 403) => row({ member: ok, otherMember: other, noTeam: other, lead: other, otherLead: other, admin: ok });
const adminOnly = (ok: number) => row({ member: 403, otherMember: 403, noTeam: 403, lead: 403, otherLead: 403, admin: ok });

const expected: Record<string, Row> = {
  "GET /healthz": unauthenticated(200),
  "GET /v1/me": anyone(200),

  "GET /v1/people": anyone(200),
  "POST /v1/people": anyLead(201),
  "GET /v1/people/{id}": anyone(200),
  // title: the person themself or a lead of their team.
  "PATCH /v1/people/{id}": selfOrLead(200),
  "DELETE /v1/people/{id}": adminOnly(200),
  // Whoever may add people may import them: a new person in no team, as POST /v1/people.
  "POST /v1/people/import": anyLead(200),
  // Moving schedules in from another system: an admin's job (a dry run too: it reads every schedule's people).
  "POST /v1/imports": adminOnly(200),

  "GET /v1/teams": anyone(200),
  "POST /v1/teams": anyLead(201),
  "GET /v1/teams/{id}": anyone(200),
  "PATCH /v1/teams/{id}": teamLead(200),
  "DELETE /v1/teams/{id}": teamLead(204),
  "GET /v1/teams/{id}/members": anyone(200),
  "POST /v1/teams/{id}/members": teamLead(201),
  "PATCH /v1/teams/{id}/members/{personId}": teamLead(200),
  "DELETE /v1/teams/{id}/members/{personId}": teamLead(204),

  "GET /v1/tokens": ownerOrAdmin(200),
  "POST /v1/tokens": ownerOrAdmin(201),
  // Someone else's token reads as absent: its id is not theirs to probe.
  "DELETE /v1/tokens/{id}": ownerOrAdmin(200, 404),

  "GET /v1/teams/{id}/support-hours": anyone(200),
  "PUT /v1/teams/{id}/support-hours": teamLead(200),
  "GET /v1/teams/{id}/support-hours/expanded": anyone(200),
  "GET /v1/teams/{id}/staffing-requirements": anyone(200),
  "POST /v1/teams/{id}/staffing-requirements": teamLead(201),
  "PATCH /v1/teams/{id}/staffing-requirements/{requirementId}": teamLead(200),
  "DELETE /v1/teams/{id}/staffing-requirements/{requirementId}": teamLead(204),
  "GET /v1/teams/{id}/coverage": anyone(200),
  "GET /v1/teams/{id}/coverage/candidates": anyone(200),
  "GET /v1/teams/{id}/hours": anyone(200),

  "GET /v1/shifts": anyone(200),
  // Team 1 lets members schedule themselves.
  "POST /v1/shifts": selfOrLead(201),
  "GET /v1/shifts/{id}": anyone(200),
  "PATCH /v1/shifts/{id}": selfOrLead(200),
  "DELETE /v1/shifts/{id}": selfOrLead(204),
  "GET /v1/shift-patterns": anyone(200),
  "POST /v1/shift-patterns": selfOrLead(201),
  "GET /v1/shift-patterns/{id}": anyone(200),
  "DELETE /v1/shift-patterns/{id}": selfOrLead(200),

  "GET /v1/duty-programs": anyone(200),
  "POST /v1/duty-programs": anyLead(201),
  "GET /v1/duty-programs/{id}": anyone(200),
  "PATCH /v1/duty-programs/{id}": anyLead(200),
  "POST /v1/duty-programs/{id}/months/{month}/slots": anyLead(200),
  "GET /v1/duty-programs/{id}/slots": anyone(200),
  "POST /v1/duty-programs/{id}/slots": anyLead(201),
  "PATCH /v1/duty-slots/{id}": anyLead(200),
  "POST /v1/duty-slots/{id}/bookings": row({ member: 201, otherMember: 403, noTeam: 403, lead: 201, otherLead: 201, admin: 201 }),
  "DELETE /v1/duty-bookings/{id}": row({ member: 204, otherMember: 403, noTeam: 403, lead: 204, otherLead: 204, admin: 204 }),
  "POST /v1/duty-bookings/{id}/move": row({ member: 200, otherMember: 403, noTeam: 403, lead: 200, otherLead: 200, admin: 200 }),
  "GET /v1/duty-programs/{id}/on-duty": anyone(200),
  "GET /v1/duty-programs/{id}/months/{month}/unbooked": anyone(200),
  "POST /v1/duty-programs/{id}/months/{month}/auto-assign": anyLead(200),

  "GET /v1/schedules": anyone(200),
  "POST /v1/schedules": teamLead(201),
  "GET /v1/schedules/{id}": anyone(200),
  "PATCH /v1/schedules/{id}": teamLead(200),
  "DELETE /v1/schedules/{id}": teamLead(204),
  "GET /v1/schedules/{id}/segments": anyone(200),
  "GET /v1/schedules/{id}/gaps": anyone(200),
  "GET /v1/schedules/{id}/handoffs": anyone(200),
  "GET /v1/schedules/{id}/overrides": anyone(200),
  // The caller puts themself on call: a participant (M1, L1), the team's lead, or an admin.
  "POST /v1/schedules/{id}/overrides": selfOrLead(201),
  // M1's override.
  "DELETE /v1/schedules/{id}/overrides/{overrideId}": selfOrLead(204),
  "GET /v1/oncall": anyone(200),

  // Signed by the workspace's secret: bearer tokens play no part.
  "POST /v1/slack/commands": unauthenticated(200),
  "GET /v1/slack/workspaces": adminOnly(200),
  "POST /v1/slack/workspaces": adminOnly(201),

  // Others see M1's time off as "away", without reason or note.
  "GET /v1/time-off": anyone(200),
  "POST /v1/time-off": selfOrLead(201),
  "GET /v1/time-off/{id}": anyone(200),
  "POST /v1/time-off/{id}/approve": teamLead(200),
  "POST /v1/time-off/{id}/deny": teamLead(200),
  "POST /v1/time-off/{id}/cancel": selfOrLead(200),
  "GET /v1/conflicts": team1(200),

  // Never refused: filtered to the swaps the caller may read (see "what reads reveal").
  "GET /v1/swaps": anyone(200),
  "POST /v1/swaps": selfOrLead(201),
  "GET /v1/swaps/open": anyone(200),
  "GET /v1/swaps/{id}": selfOrLead(200),
  "POST /v1/swaps/{id}/accept": selfOrLead(200),
  "POST /v1/swaps/{id}/decline": selfOrLead(200),
  "POST /v1/swaps/{id}/approve": teamLead(200),
  "POST /v1/swaps/{id}/complete": selfOrLead(200),
  "POST /v1/swaps/{id}/cancel": selfOrLead(200),
  // M1 themself, their teammates (L1 included) and admins.
  "GET /v1/people/{id}/assignments": team1(200),

  // Calendar feeds: M1's own feed of their assignments; the .ics URL is its own credential.
  "GET /v1/feeds": ownerOrAdmin(200),
  "POST /v1/feeds": selfOrLead(201),
  "GET /v1/feeds/{id}": selfOrLead(200),
  "DELETE /v1/feeds/{id}": selfOrLead(204),
  "GET /v1/feeds/{token}.ics": unauthenticated(200),
  // Web sign-in: links are made by whoever manages the person (never the person); the exchange needs no token.
  "POST /v1/people/{id}/sign-in-links": teamLead(201),
  "POST /v1/sign-in": unauthenticated(201),
  "DELETE /v1/tokens/current": anyone(200),
  // Google Calendar sync: M1's own target of their assignments. Lists show each caller what they manage.
  "GET /v1/calendar-targets": anyone(200),
  "POST /v1/calendar-targets": selfOrLead(201),
  "GET /v1/calendar-targets/{id}": selfOrLead(200),
  "PATCH /v1/calendar-targets/{id}": selfOrLead(200),
  "POST /v1/calendar-targets/{id}/sync": selfOrLead(202),
  "DELETE /v1/calendar-targets/{id}": selfOrLead(202),

  "GET /v1/audit": adminOnly(200),

  // Variants: the same operation on another target, for one more rule (the target in parentheses).
  "POST /v1/people (a lead)": adminOnly(201),
  // Each row of an import is judged as its single write: a refused row makes the whole file a 403.
  "POST /v1/people/import (a lead)": adminOnly(200),
  "POST /v1/people/import (new members of team 1)": teamLead(200),
  "POST /v1/people/import (a member of team 2 into team 1)": adminOnly(200),
  // Skills and training are the lead's to set, not the person's; leads never edit admins.
  "PATCH /v1/people/{id} (skills and trainedAt of M1)": teamLead(200),
  "PATCH /v1/people/{id} (skills of an admin in team 1)": adminOnly(200),
  // A lead adds to their team only people in no team or in teams they lead, and never an admin.
  "POST /v1/teams/{id}/members (a member of another team L1 leads)": teamLead(201),
  "POST /v1/teams/{id}/members (a member of team 2)": adminOnly(201),
  "POST /v1/teams/{id}/members (an admin)": adminOnly(201),
  "PATCH /v1/teams/{id}/members/{personId} (an admin in team 1)": adminOnly(200),
  "DELETE /v1/teams/{id}/members/{personId} (an admin in team 1)": adminOnly(204),
  "POST /v1/shifts (for P1)": teamLead(201),
  // A team's shifts are published by its people; a schedule's timeline by anyone signed in.
  "POST /v1/feeds (team 1's shifts)": team1(201),
  "POST /v1/feeds (a schedule)": anyone(201),
  // Pushing a team's or its schedule's events into a calendar is its lead's (unlike a feed, which members may read).
  "POST /v1/calendar-targets (team 1's shifts)": teamLead(201),
  "POST /v1/calendar-targets (a schedule of team 1)": teamLead(201),
  // Schedules of no team are company-wide: any lead runs them.
  "PATCH /v1/schedules/{id} (a schedule of no team)": anyLead(200),
  // Putting someone else on call, or taking someone off it, is the team lead's.
  "POST /v1/schedules/{id}/overrides (putting P1 on call)": teamLead(201),
  "POST /v1/schedules/{id}/overrides (replacing L1)": teamLead(201),
  "POST /v1/time-off (for an admin in team 1)": adminOnly(201),
  "POST /v1/time-off/{id}/approve (an admin's time off)": adminOnly(200),
  // The person may cancel only before it starts (409 time_off_started); a lead any time.
  "POST /v1/time-off/{id}/cancel (after it started)": row({ member: 409, otherMember: 403, noTeam: 403, lead: 200, otherLead: 403, admin: 200 }),
  // Duty bookings belong to no team: any lead acts on their swaps.
  "POST /v1/swaps (M1's duty booking)": row({ member: 201, otherMember: 403, noTeam: 403, lead: 201, otherLead: 201, admin: 201 }),
  "GET /v1/swaps/{id} (a swap of M1's duty booking)": row({ member: 200, otherMember: 403, noTeam: 403, lead: 200, otherLead: 200, admin: 200 }),
  // An open swap is also readable by those who could take it: team 1's people, for a shift.
  "GET /v1/swaps/{id} (an open swap of M1's shift)": team1(200),
  // Taking it is team 1's: others (the admin included, in no team) are not eligible (422 not_eligible).
  "POST /v1/swaps/{id}/accept (an open swap of P1's shift)": row({ member: 200, otherMember: 422, noTeam: 422, lead: 200, otherLead: 422, admin: 422 }),
};

type SignedInCaller = keyof SignedIn;
/** Whether each signed-in caller sees M1's private part: the note of their time off, their swap in a list. */
const M1_AND_LEADS = { member: true, otherMember: false, noTeam: false, lead: true, otherLead: false, admin: true };
const disclosed: Record<string, Record<SignedInCaller, boolean>> = {
  "GET /v1/time-off/{id} (M1's note)": M1_AND_LEADS,
  "GET /v1/time-off (M1's note)": M1_AND_LEADS,
  // P1, the counterpart, would see it too.
  "GET /v1/swaps (M1's swap)": M1_AND_LEADS,
};

const METHODS = new Set(["get", "put", "post", "patch", "delete", "head", "options", "trace"]);

/** Every operation of openapi.yaml as "METHOD /path". */
function operationsOf(file: URL): string[] {
  const doc = parse(readFileSync(file, "utf8")) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths)
    .flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.has(m)).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

const operations = operationsOf(new URL("../openapi.yaml", import.meta.url));
/** "POST /v1/teams/{id}/members (an admin)" is a variant of "POST /v1/teams/{id}/members". */
const operationOf = (key: string) => key.replace(/ \(.*\)$/, "");
/** Each operation's row, then its variants. */
const rows = operations.flatMap((op) => [op, ...Object.keys(expected).filter((key) => key !== op && operationOf(key) === op)]);

let t: TestApp;
let world: MatrixWorld;
let cells = 0;

beforeAll(async () => {
  t = await createTestApp();
  world = await buildMatrixWorld(t);
}, 120_000);
afterAll(async () => {
  console.log(`authorization matrix: ${cells} cells checked (${operations.length} operations and ${rows.length - operations.length} variants × ${CALLERS.length} callers)`);
  await t.close();
});

async function send(caller: Caller, probe: Probe): Promise<ApiResponse> {
  const client = probe.freshToken ? await world.freshClient(caller) : world.clients[caller];
  // Callers with no person of their own (no or a bad token) send a made-up id: they are refused before it matters.
  const self = (client as Client & { personId?: string }).personId ?? "00000000-0000-4000-8000-000000000000";
  const body = probe.selfField ? { ...(probe.body as Record<string, unknown>), [probe.selfField]: self } : probe.body;
  return client.request(probe.method, probe.url, {
    ...(body !== undefined ? { body } : {}),
    ...(probe.rawBody !== undefined ? { rawBody: probe.rawBody } : {}),
    ...(probe.headers ? { headers: probe.headers } : {}),
  });
}

describe("the rights table", () => {
  it("has a row for every operation in openapi.yaml, and no row without an operation", () => {
    expect({
      operationsWithoutRow: operations.filter((op) => !(op in expected)),
      rowsWithoutOperation: Object.keys(expected).filter((key) => !operations.includes(operationOf(key))),
    }).toEqual({ operationsWithoutRow: [], rowsWithoutOperation: [] });
  });

  it("has a request for every row, and no request without a row", () => {
    expect({
      rowsWithoutRequest: Object.keys(expected).filter((key) => !(key in world.probes)),
      requestsWithoutRow: Object.keys(world.probes).filter((key) => !(key in expected)),
    }).toEqual({ rowsWithoutRequest: [], requestsWithoutRow: [] });
  });
});

describe("every operation × every caller", () => {
  for (const key of rows) {
    it(key, async () => {
      const want = expected[key];
      const factory = world.probes[key];
      if (!want || !factory) throw new Error(`${key} has no row in the rights table or no request: add both`);
      const got: Record<Caller, number | string> = { ...want };
      const why: string[] = [];
      // The three callers without a valid token share one request: it must be refused before anything reads it.
      let refused: Probe | undefined;
      for (const caller of CALLERS) {
        const probe = UNAUTHENTICATED.has(caller) && !refused?.public ? (refused ??= await factory()) : await factory();
        const res = await send(caller, probe);
        cells++;
        // A 401 or 403 must be about the caller, not another rule that shares the status (self_scheduling_disabled is a 403 too).
        const refusal = { 401: "unauthorized", 403: "forbidden" }[res.status as 401 | 403];
        got[caller] = refusal && res.body?.code !== refusal ? `${res.status} ${res.body?.code}` : res.status;
        if (got[caller] !== want[caller]) why.push(`${caller}: expected ${want[caller]}, got ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      }
      expect(got, why.join("\n")).toEqual(want);
    });
  }
});

describe("what reads reveal", () => {
  for (const [key, want] of Object.entries(disclosed)) {
    it(key, async () => {
      const disclosure = world.disclosures[key];
      if (!disclosure) throw new Error(`${key} has no request`);
      const got = {} as Record<SignedInCaller, boolean>;
      for (const caller of Object.keys(want) as SignedInCaller[]) {
        const res = await send(caller, disclosure.probe);
        expect(res.status, `${caller} ${JSON.stringify(res.body).slice(0, 300)}`).toBe(200);
        got[caller] = disclosure.shows(res.body);
      }
      expect(got).toEqual(want);
    });
  }
});

describe("routes outside openapi.yaml", () => {
  it("the API docs are public", async () => {
    for (const probe of world.docs) {
      for (const caller of CALLERS) expect((await send(caller, probe)).status, `${caller} ${probe.url}`).toBe(200);
    }
  });

  it("a Slack command without a valid signature is refused whatever bearer token comes with it", async () => {
    for (const caller of CALLERS) {
      const res = await send(caller, world.unsignedSlackCommand());
      expect(res.status, caller).toBe(401);
      expect(res.body.code).toBe("unauthorized");
    }
  });
});
