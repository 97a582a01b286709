import { describe, expect, it } from "vitest";
import type { Actor } from "./context.ts";
import { authorize, can, readableSwaps, refusal, type PersonFacts, type SwapFacts } from "./policy.ts";

// Team "t1" led by Lena, "t2" led by Leo; Mia and Max are members of t1, Otto of t2, Nora of no team.
const actor = (personId: string, role: Actor["role"], ledTeamIds: string[] = []): Actor => ({ personId, role, ledTeamIds, tokenId: `token-${personId}` });
const admin = actor("ada", "admin");
const lena = actor("lena", "lead", ["t1"]);
const leo = actor("leo", "lead", ["t2"]);
const mia = actor("mia", "member");
const max = actor("max", "member");
const otto = actor("otto", "member");
const nora = actor("nora", "member");
// A lead flag left on a membership does nothing without the lead role.
const demoted = actor("dora", "member", ["t1"]);

const person = (id: string, teamIds: string[], role: PersonFacts["role"] = "member"): PersonFacts => ({ id, role, teamIds });
const miaP = person("mia", ["t1"]);
const noraP = person("nora", []);
const bossP = person("boss", ["t1"], "admin");
const lenaP = person("lena", ["t1"], "lead");

describe("people", () => {
  it("admins add anyone; leads add members only, without training or deactivation; members add nobody", () => {
    const plain = { role: "member" as const, setsTrainedAt: false, inactive: false };
    expect(can(admin, "person.create", { ...plain, role: "admin" })).toBe(true);
    expect(can(lena, "person.create", plain)).toBe(true);
    expect(can(lena, "person.create", { ...plain, role: "lead" })).toBe(false);
    expect(can(lena, "person.create", { ...plain, setsTrainedAt: true })).toBe(false);
    expect(can(lena, "person.create", { ...plain, inactive: true })).toBe(false);
    expect(can(mia, "person.create", plain)).toBe(false);
  });

  it("admins and leads import people (each row is then judged as its single write); members do not", () => {
    expect(can(admin, "person.import", {})).toBe(true);
    expect(can(lena, "person.import", {})).toBe(true);
    expect(can(mia, "person.import", {})).toBe(false);
    expect(refusal(lena, "person.create", { role: "lead", setsTrainedAt: false, inactive: false })).toEqual({ detail: expect.stringContaining("member role"), field: "role" });
    expect(refusal(admin, "person.create", { role: "lead", setsTrainedAt: false, inactive: false })).toBeNull();
  });

  it("a person edits their own profile, not their skills or role", () => {
    expect(can(mia, "person.update.fields", { person: miaP, fields: ["name", "timeZone", "title", "workingDays"] })).toBe(true);
    expect(can(mia, "person.update.fields", { person: miaP, fields: ["skills"] })).toBe(false);
    expect(can(mia, "person.update.fields", { person: miaP, fields: ["role"] })).toBe(false);
    expect(can(mia, "person.update.fields", { person: person("max", ["t1"]), fields: ["title"] })).toBe(false);
  });

  it("a lead sets title, skills and trainedAt of the people of their teams only, never of an admin", () => {
    expect(can(lena, "person.update.fields", { person: miaP, fields: ["skills", "trainedAt", "title"] })).toBe(true);
    expect(can(lena, "person.update.fields", { person: miaP, fields: ["email"] })).toBe(false);
    expect(can(leo, "person.update.fields", { person: miaP, fields: ["skills"] })).toBe(false);
    expect(can(lena, "person.update.fields", { person: bossP, fields: ["title"] })).toBe(false);
    expect(can(demoted, "person.update.fields", { person: miaP, fields: ["skills"] })).toBe(false);
  });

  it("the 403 names the first field refused", () => {
    expect(() => authorize(lena, "person.update.fields", { person: miaP, fields: ["skills", "role"] })).toThrow(
      expect.objectContaining({ code: "forbidden", field: "role" }),
    );
  });

  it("admins change every field, of anyone, and alone deactivate", () => {
    expect(can(admin, "person.update.fields", { person: bossP, fields: ["role", "active", "email"] })).toBe(true);
    expect(can(admin, "person.deactivate", { person: miaP })).toBe(true);
    expect(can(lena, "person.deactivate", { person: miaP })).toBe(false);
  });

  it("a person's assignments: the person, their teammates (their leads among them), admins", () => {
    expect(can(mia, "person.assignments.read", { person: miaP, actorTeamIds: ["t1"] })).toBe(true);
    expect(can(max, "person.assignments.read", { person: miaP, actorTeamIds: ["t1"] })).toBe(true);
    expect(can(lena, "person.assignments.read", { person: miaP, actorTeamIds: ["t1"] })).toBe(true);
    expect(can(admin, "person.assignments.read", { person: miaP, actorTeamIds: [] })).toBe(true);
    expect(can(otto, "person.assignments.read", { person: miaP, actorTeamIds: ["t2"] })).toBe(false);
    expect(can(nora, "person.assignments.read", { person: miaP, actorTeamIds: [] })).toBe(false);
    expect(can(mia, "person.assignments.read", { person: noraP, actorTeamIds: ["t1"] })).toBe(false);
  });
});

describe("teams", () => {
  it("admins and leads create teams; members do not", () => {
    expect(can(admin, "team.create", {})).toBe(true);
    expect(can(leo, "team.create", {})).toBe(true);
    expect(can(mia, "team.create", {})).toBe(false);
  });

  it("a team, its support hours and staffing are changed by its leads and admins", () => {
    for (const action of ["team.update", "team.delete", "team.supportHours.set", "team.staffing.manage", "team.members.manage"] as const) {
      expect([can(admin, action, { teamId: "t1" }), can(lena, action, { teamId: "t1" }), can(leo, action, { teamId: "t1" }), can(mia, action, { teamId: "t1" })]).toEqual([true, true, false, false]);
    }
  });

  it("a lead adds people in no team, or only in teams they lead; never an admin; an admin adds anyone", () => {
    expect(can(leo, "team.member.add", { teamId: "t2", person: noraP })).toBe(true);
    expect(can(leo, "team.member.add", { teamId: "t2", person: person("otto", ["t2", "t3"]) })).toBe(false);
    expect(can(actor("leo", "lead", ["t2", "t3"]), "team.member.add", { teamId: "t2", person: person("otto", ["t3"]) })).toBe(true);
    expect(can(leo, "team.member.add", { teamId: "t2", person: miaP })).toBe(false);
    expect(can(lena, "team.member.add", { teamId: "t1", person: person("boss", [], "admin") })).toBe(false);
    expect(can(leo, "team.member.add", { teamId: "t1", person: noraP })).toBe(false);
    expect(can(admin, "team.member.add", { teamId: "t2", person: miaP })).toBe(true);
  });

  it("a lead changes the lead flag of their team's people, never an admin's", () => {
    expect(can(lena, "team.member.update", { teamId: "t1", person: lenaP })).toBe(true);
    expect(can(lena, "team.member.update", { teamId: "t1", person: bossP })).toBe(false);
    expect(can(leo, "team.member.update", { teamId: "t1", person: miaP })).toBe(false);
    expect(can(admin, "team.member.update", { teamId: "t1", person: bossP })).toBe(true);
  });

  it("anyone leaves a team; a lead removes others, except an admin", () => {
    expect(can(mia, "team.member.remove", { teamId: "t1", person: miaP })).toBe(true);
    expect(can(max, "team.member.remove", { teamId: "t1", person: miaP })).toBe(false);
    expect(can(lena, "team.member.remove", { teamId: "t1", person: miaP })).toBe(true);
    expect(can(lena, "team.member.remove", { teamId: "t1", person: bossP })).toBe(false);
    expect(can(leo, "team.member.remove", { teamId: "t1", person: miaP })).toBe(false);
  });

  it("a team's conflicts: its members, its leads and admins", () => {
    const facts = { teamId: "t1", memberIds: ["lena", "mia", "max"] };
    expect([mia, lena, admin].map((a) => can(a, "team.conflicts.read", facts))).toEqual([true, true, true]);
    expect([otto, leo, nora].map((a) => can(a, "team.conflicts.read", facts))).toEqual([false, false, false]);
  });
});

describe("time off", () => {
  it("a person requests and cancels their own; a lead of their team (or admin) does it for them", () => {
    expect(can(mia, "timeOff.request", { person: miaP })).toBe(true);
    expect(can(max, "timeOff.request", { person: miaP })).toBe(false);
    expect(can(lena, "timeOff.request", { person: miaP })).toBe(true);
    expect(can(leo, "timeOff.request", { person: miaP })).toBe(false);
    expect(can(mia, "timeOff.cancel", { person: miaP })).toBe(true);
    expect(can(otto, "timeOff.cancel", { person: miaP })).toBe(false);
  });

  it("approving, denying and cancelling once started: leads of the person's team and admins; never a lead for an admin", () => {
    for (const action of ["timeOff.decide", "timeOff.cancelStarted"] as const) {
      expect(can(lena, action, { person: miaP })).toBe(true);
      expect(can(mia, action, { person: miaP })).toBe(false);
      expect(can(leo, action, { person: miaP })).toBe(false);
      expect(can(lena, action, { person: bossP })).toBe(false);
      expect(can(admin, action, { person: bossP })).toBe(true);
    }
  });

  it("why someone is away: the person, the leads of their teams (an admin's too) and admins", () => {
    expect([mia, lena, admin].map((a) => can(a, "timeOff.readNote", { person: miaP }))).toEqual([true, true, true]);
    expect([max, otto, leo, nora].map((a) => can(a, "timeOff.readNote", { person: miaP }))).toEqual([false, false, false, false]);
    expect(can(lena, "timeOff.readNote", { person: bossP })).toBe(true);
  });
});

describe("shifts and patterns", () => {
  it("a lead schedules anyone on their team; a member only themself, inside support hours", () => {
    const mine = { teamId: "t1", personId: "mia", outsideSupportHours: false };
    expect(can(mia, "shift.schedule", mine)).toBe(true);
    expect(can(mia, "shift.schedule", { ...mine, outsideSupportHours: true })).toBe(false);
    expect(can(mia, "shift.schedule", { ...mine, personId: "max" })).toBe(false);
    expect(can(lena, "shift.schedule", { ...mine, personId: "max", outsideSupportHours: true })).toBe(true);
    expect(can(leo, "shift.schedule", { ...mine, personId: "max" })).toBe(false);
    expect([lena, admin, leo, mia].map((a) => can(a, "shift.scheduleAnyone", { teamId: "t1" }))).toEqual([true, true, false, false]);
  });

  it("a pattern is deleted by its person or a lead of its team", () => {
    const pattern = { teamId: "t1", personId: "mia" };
    expect([mia, lena, admin].map((a) => can(a, "shiftPattern.delete", pattern))).toEqual([true, true, true]);
    expect([max, leo].map((a) => can(a, "shiftPattern.delete", pattern))).toEqual([false, false]);
  });
});

describe("schedules and overrides", () => {
  it("a team's schedule is managed by its leads; a schedule of no team by any lead; admins manage all", () => {
    expect([lena, admin, leo, mia].map((a) => can(a, "schedule.manage", { teamId: "t1" }))).toEqual([true, true, false, false]);
    expect([lena, leo, admin, mia].map((a) => can(a, "schedule.manage", { teamId: null }))).toEqual([true, true, true, false]);
  });

  it("a participant puts only themself on call; a person in no team or off the rotation needs the team's lead", () => {
    const override = { teamId: "t1", participantIds: ["mia", "lena"], personId: "mia", replacesPersonId: null };
    expect(can(mia, "schedule.override.create", override)).toBe(true);
    expect(can(mia, "schedule.override.create", { ...override, replacesPersonId: "mia" })).toBe(true);
    expect(can(mia, "schedule.override.create", { ...override, personId: "max" })).toBe(false);
    expect(can(mia, "schedule.override.create", { ...override, replacesPersonId: "lena" })).toBe(false);
    expect(can(nora, "schedule.override.create", { ...override, personId: "nora" })).toBe(false);
    expect(can(max, "schedule.override.create", { ...override, personId: "max" })).toBe(false);
    expect(can(leo, "schedule.override.create", { ...override, personId: "leo" })).toBe(false);
    expect(can(lena, "schedule.override.create", { ...override, personId: "max", replacesPersonId: "mia" })).toBe(true);
  });

  it("an override is removed by a lead, its person or its creator", () => {
    const override = { teamId: "t1", personId: "mia", createdBy: "max" };
    expect([lena, mia, max, admin].map((a) => can(a, "schedule.override.delete", override))).toEqual([true, true, true, true]);
    expect([otto, leo].map((a) => can(a, "schedule.override.delete", override))).toEqual([false, false]);
  });
});

describe("swaps", () => {
  const trade: SwapFacts = { kind: "trade", status: "pending", requesterId: "mia", counterpartId: "max", teamId: "t1", offeredKind: "shift" };
  const open: SwapFacts = { ...trade, kind: "open", counterpartId: null };

  it("a swap is read by its two people, the leads of its team and admins", () => {
    expect([mia, max, lena, admin].map((a) => can(a, "swap.read", { swap: trade, actorTeamIds: [] }))).toEqual([true, true, true, true]);
    expect(can(otto, "swap.read", { swap: trade, actorTeamIds: ["t2"] })).toBe(false);
    expect(can(leo, "swap.read", { swap: trade, actorTeamIds: ["t2"] })).toBe(false);
  });

  it("an open shift swap is also read by who could take it: the shift team's members, while it is open", () => {
    expect(can(actor("kim", "member"), "swap.read", { swap: open, actorTeamIds: ["t1"] })).toBe(true);
    expect(can(otto, "swap.read", { swap: open, actorTeamIds: ["t2"] })).toBe(false);
    expect(can(otto, "swap.read", { swap: { ...open, offeredKind: "duty_booking", teamId: null }, actorTeamIds: [] })).toBe(true);
    expect(can(actor("kim", "member"), "swap.read", { swap: { ...open, status: "expired" }, actorTeamIds: ["t1"] })).toBe(false);
  });

  it("a swap of no team (a duty booking, on-call on a schedule of no team) is any lead's to manage", () => {
    for (const offeredKind of ["duty_booking", "oncall"] as const) {
      const teamless = { ...trade, teamId: null, offeredKind };
      expect(can(leo, "swap.read", { swap: teamless, actorTeamIds: [] })).toBe(true);
      expect(can(leo, "swap.approve", { swap: teamless })).toBe(true);
      expect(can(otto, "swap.read", { swap: teamless, actorTeamIds: [] })).toBe(false);
    }
    expect(can(leo, "swap.approve", { swap: { ...trade, offeredKind: "oncall" } })).toBe(false);
  });

  it("someone's assignment is offered by them or a lead of its team", () => {
    expect(can(mia, "swap.create", { requesterId: "mia", teamId: "t1" })).toBe(true);
    expect(can(max, "swap.create", { requesterId: "mia", teamId: "t1" })).toBe(false);
    expect(can(lena, "swap.create", { requesterId: "mia", teamId: "t1" })).toBe(true);
    expect(can(leo, "swap.create", { requesterId: "mia", teamId: "t1" })).toBe(false);
  });

  it("the counterpart accepts or declines, a lead approves, the requester cancels, either completes; a lead acts for both", () => {
    expect([max, lena, mia, otto].map((a) => can(a, "swap.accept", { swap: trade }))).toEqual([true, true, false, false]);
    expect([max, lena, mia].map((a) => can(a, "swap.decline", { swap: trade }))).toEqual([true, true, false]);
    expect([lena, admin, max, leo].map((a) => can(a, "swap.approve", { swap: trade }))).toEqual([true, true, false, false]);
    expect([mia, max, lena, otto].map((a) => can(a, "swap.complete", { swap: trade }))).toEqual([true, true, true, false]);
    expect([mia, lena, max].map((a) => can(a, "swap.cancel", { swap: trade }))).toEqual([true, true, false]);
    expect([lena, leo, mia].map((a) => can(a, "swap.manage", { teamId: "t1" }))).toEqual([true, false, false]);
  });

  it("anyone but the requester takes an open swap", () => {
    expect([otto, lena].map((a) => can(a, "swap.accept", { swap: open }))).toEqual([true, true]);
    expect(can(mia, "swap.accept", { swap: open })).toBe(false);
  });

  it("GET /v1/swaps lists, for a non-admin, their own swaps, those of teams they lead and (leads) those of no team", () => {
    expect(readableSwaps(admin)).toEqual({ all: true });
    expect(readableSwaps(lena)).toEqual({ all: false, personId: "lena", ledTeamIds: ["t1"], teamless: true });
    expect(readableSwaps(demoted)).toEqual({ all: false, personId: "dora", ledTeamIds: [], teamless: false });
  });
});

describe("duty, tokens, audit and Slack", () => {
  it("duty programs and slots are run by admins and every lead; a booking is its person's or a lead's", () => {
    expect([admin, leo, mia].map((a) => can(a, "duty.manage", {}))).toEqual([true, true, false]);
    expect([mia, leo, max].map((a) => can(a, "duty.book", { personId: "mia" }))).toEqual([true, true, false]);
    expect([mia, leo, max].map((a) => can(a, "duty.booking.change", { personId: "mia" }))).toEqual([true, true, false]);
  });

  it("tokens are their owner's and admins' only", () => {
    expect([mia, admin, lena].map((a) => can(a, "token.manage", { ownerId: "mia" }))).toEqual([true, true, false]);
  });

  it("the audit log and Slack workspaces are for admins", () => {
    for (const action of ["audit.read", "slack.workspace.manage"] as const) {
      expect([admin, lena, mia].map((a) => can(a, action, {}))).toEqual([true, false, false]);
    }
  });
});

describe("calendar feeds", () => {
  it("a person's feed is theirs, their leads' and admins' to publish; never a teammate's", () => {
    const subject = { kind: "person" as const, person: miaP };
    expect([mia, lena, admin, max, leo].map((a) => can(a, "feed.create", { subject, actorTeamIds: a === max || a === mia || a === lena ? ["t1"] : [] }))).toEqual([true, true, true, false, false]);
    // A lead never publishes an admin's assignments.
    expect(can(lena, "feed.create", { subject: { kind: "person", person: bossP }, actorTeamIds: ["t1"] })).toBe(false);
  });

  it("a team's shifts are for its members and leads; schedules and the duty calendar for everyone", () => {
    const team = { kind: "team" as const, teamId: "t1" };
    expect([max, lena, otto, leo, admin].map((a) => can(a, "feed.create", { subject: team, actorTeamIds: a === max ? ["t1"] : a === otto ? ["t2"] : [] }))).toEqual([true, true, false, false, true]);
    expect(can(nora, "feed.create", { subject: { kind: "schedule", teamId: "t2" }, actorTeamIds: [] })).toBe(true);
    expect(can(nora, "feed.create", { subject: { kind: "duty_program" }, actorTeamIds: [] })).toBe(true);
  });

  it("a feed is managed by its owner, a lead of its subject and admins", () => {
    const teamFeed = { ownerId: "max", subject: { kind: "team" as const, teamId: "t1" } };
    expect([max, lena, mia, leo, admin].map((a) => can(a, "feed.manage", teamFeed))).toEqual([true, true, false, false, true]);
    const scheduleFeed = { ownerId: "nora", subject: { kind: "schedule" as const, teamId: null } };
    expect([nora, lena, admin].map((a) => can(a, "feed.manage", scheduleFeed))).toEqual([true, false, true]);
  });
});
