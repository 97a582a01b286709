import type { PersonRole } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import type { Actor } from "./context.ts";

/*
 * Every authorization decision of the API, in one pure module (README
 * "People, teams and rights" is the same table in prose). Services load the
 * facts a rule needs (the target person's role and teams, the team, the
 * schedule's participants…), then call `authorize` (throws 403) or `can`.
 * Nothing here touches the database or the clock.
 *
 * The two ideas behind the rules:
 * - A lead manages the teams they lead, and their people only through those
 *   teams: "lead of T" is the lead role (or admin) plus the lead flag on T.
 *   Admins lead every team.
 * - Leads never act on an admin as a person (fields, memberships, time off):
 *   that would let a lead edit someone with more rights than their own.
 */

/** What a rule knows about a person it is asked about. */
export interface PersonFacts {
  id: string;
  role: PersonRole;
  teamIds: readonly string[];
}

/** What a feed shows: a person's assignments, a team's shifts, a schedule, or the company duty calendar. */
export type FeedSubjectFacts =
  | { kind: "person"; person: PersonFacts }
  | { kind: "team"; teamId: string }
  | { kind: "schedule"; teamId: string | null }
  | { kind: "duty_program" };

/** The facts of a swap that decide who may see it and move it. */
export interface SwapFacts {
  kind: "trade" | "give_away" | "open";
  status: string;
  requesterId: string;
  counterpartId: string | null;
  teamId: string | null;
  offeredKind: "shift" | "duty_booking" | "oncall";
}

export type PersonField =
  | "name"
  | "email"
  | "timeZone"
  | "role"
  | "title"
  | "skills"
  | "active"
  | "chatUserId"
  | "trainedAt"
  | "workingDays"
  | "workingStart"
  | "workingEnd";

/** What a person may change about themselves, and what a lead may change about the people of their teams. */
const SELF_FIELDS: ReadonlySet<PersonField> = new Set(["name", "email", "timeZone", "title", "chatUserId", "workingDays", "workingStart", "workingEnd"]);
const LEAD_FIELDS: ReadonlySet<PersonField> = new Set(["title", "skills", "trainedAt"]);

type TeamRef = { teamId: string };
type PersonRef = { person: PersonFacts };
type Membership = { teamId: string; person: PersonFacts };

/** Each action with the facts its rule needs. */
export interface Resources {
  "person.create": { role: PersonRole; setsTrainedAt: boolean; inactive: boolean };
  /** A batch import at all; each of its rows is then checked as the single write it amounts to. */
  "person.import": Record<string, never>;
  "person.update.fields": { person: PersonFacts; fields: readonly PersonField[] };
  "person.deactivate": PersonRef;
  "person.signInLink": PersonRef;
  "person.assignments.read": { person: PersonFacts; actorTeamIds: readonly string[] };
  "team.create": Record<string, never>;
  "team.update": TeamRef;
  "team.delete": TeamRef;
  "team.supportHours.set": TeamRef;
  "team.staffing.manage": TeamRef;
  "team.conflicts.read": { teamId: string; memberIds: readonly string[] };
  "team.members.manage": TeamRef;
  "team.member.add": Membership;
  "team.member.update": Membership;
  "team.member.remove": Membership;
  "timeOff.request": PersonRef;
  "timeOff.decide": PersonRef;
  "timeOff.cancel": PersonRef;
  "timeOff.cancelStarted": PersonRef;
  "timeOff.recordPast": PersonRef;
  "timeOff.readNote": { person: Pick<PersonFacts, "id" | "teamIds"> };
  "shift.schedule": { teamId: string; personId: string; outsideSupportHours: boolean };
  "shift.scheduleAnyone": TeamRef;
  "shiftPattern.delete": { teamId: string; personId: string };
  "schedule.manage": { teamId: string | null };
  "schedule.override.create": { teamId: string | null; participantIds: readonly string[]; personId: string; replacesPersonId: string | null };
  "schedule.override.delete": { teamId: string | null; personId: string; createdBy: string | null };
  "swap.read": { swap: SwapFacts; actorTeamIds: readonly string[] };
  "swap.create": { requesterId: string; teamId: string | null };
  "swap.manage": { teamId: string | null };
  "swap.accept": { swap: SwapFacts };
  "swap.decline": { swap: SwapFacts };
  "swap.approve": { swap: SwapFacts };
  "swap.complete": { swap: SwapFacts };
  "swap.cancel": { swap: SwapFacts };
  "duty.manage": Record<string, never>;
  "duty.book": { personId: string };
  "duty.booking.change": { personId: string };
  "token.manage": { ownerId: string };
  "feed.create": { subject: FeedSubjectFacts; actorTeamIds: readonly string[] };
  "feed.manage": { ownerId: string; subject: FeedSubjectFacts };
  "calendarTarget.create": { subject: FeedSubjectFacts };
  "calendarTarget.manage": { ownerId: string; subject: FeedSubjectFacts };
  "audit.read": Record<string, never>;
  /** Moving schedules and people in from another system (POST /v1/imports). */
  "import.run": Record<string, never>;
  "slack.workspace.manage": Record<string, never>;
}

export type Action = keyof Resources;

/** Allowed, or why not (and which input field it is about). */
type Verdict = true | { detail: string; field?: string };

function isAdmin(actor: Actor): boolean {
  return actor.role === "admin";
}

/** Admins lead every team; a lead leads the teams where their membership has the lead flag. */
function leadsTeam(actor: Actor, teamId: string | null): boolean {
  if (isAdmin(actor)) return true;
  return teamId !== null && actor.role === "lead" && actor.ledTeamIds.includes(teamId);
}

function leadsAnyOf(actor: Actor, teamIds: readonly string[]): boolean {
  return isAdmin(actor) || teamIds.some((t) => leadsTeam(actor, t));
}

/** Person-level rights over someone (their fields, memberships, time off): admins, and leads of their teams unless they are an admin. */
function managesPerson(actor: Actor, person: PersonFacts): boolean {
  if (isAdmin(actor)) return true;
  return person.role !== "admin" && leadsAnyOf(actor, person.teamIds);
}

/** Company-wide things (duty programs, schedules of no team) are run by admins and every lead. */
function isManager(actor: Actor): boolean {
  return actor.role === "admin" || actor.role === "lead";
}

const deny = (detail: string, field?: string): Verdict => (field ? { detail, field } : { detail });
const allowIf = (ok: boolean, detail: string): Verdict => (ok ? true : deny(detail));
const self = (actor: Actor, personId: string | null) => personId !== null && actor.personId === personId;

/**
 * Swaps: a lead of the swap's team acts for both people. A swap of no team
 * (a duty booking, or on-call on a schedule of no team) is any lead's, as
 * the program or schedule it comes from is.
 */
/**
 * Who pushes a subject's events into a Google calendar: a person their own, a lead their teams'
 * (their people, the team, its schedules), admins all. Duty programs and team-less schedules
 * are company-wide: leads and admins.
 */
function managesPublication(actor: Actor, subject: FeedSubjectFacts): boolean {
  switch (subject.kind) {
    case "person":
      return self(actor, subject.person.id) || managesPerson(actor, subject.person);
    case "team":
      return leadsTeam(actor, subject.teamId);
    case "schedule":
      return subject.teamId !== null ? leadsTeam(actor, subject.teamId) : isManager(actor);
    default:
      return isManager(actor);
  }
}

function managesSwap(actor: Actor, swap: { teamId: string | null }): boolean {
  return swap.teamId ? leadsTeam(actor, swap.teamId) : isManager(actor);
}

function isOpenUntaken(swap: SwapFacts): boolean {
  return swap.kind === "open" && swap.status === "pending" && swap.counterpartId === null;
}

function personFieldsDenied(actor: Actor, person: PersonFacts, fields: readonly PersonField[]): PersonField[] {
  if (isAdmin(actor)) return [];
  const own = self(actor, person.id);
  const lead = managesPerson(actor, person);
  return fields.filter((f) => !((own && SELF_FIELDS.has(f)) || (lead && LEAD_FIELDS.has(f))));
}

type Rules = { [A in Action]: (actor: Actor, resource: Resources[A]) => Verdict };

const rules: Rules = {
  "person.create": (actor, r) => {
    if (isAdmin(actor)) return true;
    if (!isManager(actor)) return deny("Only an admin or a lead may add people");
    if (r.role !== "member") return deny("A lead may only add people with the member role", "role");
    // Leads set training through an update once the person is on their team.
    if (r.setsTrainedAt) return deny("A lead may not set trainedAt when adding a person", "trainedAt");
    if (r.inactive) return deny("A lead may not add a deactivated person", "active");
    return true;
  },
  // Who may add people may import them; what a row does (create, change, join a team) is judged row by row.
  "person.import": (actor) => allowIf(isManager(actor), "Only an admin or a lead may import people"),
  "person.update.fields": (actor, r) => {
    const denied = personFieldsDenied(actor, r.person, r.fields);
    if (denied.length === 0) return true;
    const why = r.person.role === "admin" && !self(actor, r.person.id) ? " (only admins change an admin)" : "";
    return deny(`You may not change ${denied.join(", ")} of this person${why}`, denied[0]);
  },
  "person.deactivate": (actor) => allowIf(isAdmin(actor), "Only an admin may deactivate a person"),
  // A sign-in link acts as the person: only who already manages them (admins; leads of their teams, never for an admin).
  "person.signInLink": (actor, r) => allowIf(managesPerson(actor, r.person), "Only an admin or a lead of the person's team may make a sign-in link for them"),
  "person.assignments.read": (actor, r) =>
    allowIf(
      isAdmin(actor) || self(actor, r.person.id) || r.person.teamIds.some((t) => r.actorTeamIds.includes(t)),
      "Only the person, their teammates and their leads, or an admin may read a person's assignments",
    ),

  "team.create": (actor) => allowIf(isManager(actor), "Only an admin or a lead may create a team"),
  "team.update": (actor, r) => allowIf(leadsTeam(actor, r.teamId), "Only an admin or a lead of this team may change this team"),
  "team.delete": (actor, r) => allowIf(leadsTeam(actor, r.teamId), "Only an admin or a lead of this team may delete this team"),
  "team.supportHours.set": (actor, r) => allowIf(leadsTeam(actor, r.teamId), "Only an admin or a lead of this team may change support hours"),
  "team.staffing.manage": (actor, r) => allowIf(leadsTeam(actor, r.teamId), "Only an admin or a lead of this team may change staffing requirements"),
  "team.conflicts.read": (actor, r) =>
    allowIf(leadsTeam(actor, r.teamId) || r.memberIds.includes(actor.personId), "Only the team's members, its leads and admins may read its conflicts"),
  "team.members.manage": (actor, r) => allowIf(leadsTeam(actor, r.teamId), "Only an admin or a lead of this team may manage its members"),
  "team.member.add": (actor, r) => {
    if (isAdmin(actor)) return true;
    if (!leadsTeam(actor, r.teamId)) return deny("Only an admin or a lead of this team may add members");
    if (r.person.role === "admin") return deny("Only an admin may add an admin to a team", "personId");
    // A lead brings in people nobody else leads: taking a member from another team needs an admin.
    if (!r.person.teamIds.every((t) => leadsTeam(actor, t))) {
      return deny("The person is in a team you do not lead; ask an admin to add them", "personId");
    }
    return true;
  },
  "team.member.update": (actor, r) => {
    if (!leadsTeam(actor, r.teamId)) return deny("Only an admin or a lead of this team may change members");
    return allowIf(managesPerson(actor, r.person), "Only an admin may change an admin's membership");
  },
  "team.member.remove": (actor, r) => {
    // Leaving a team is a member's own right; removing someone else is a lead's.
    if (self(actor, r.person.id)) return true;
    if (!leadsTeam(actor, r.teamId)) return deny("Only an admin or a lead of this team may remove members");
    return allowIf(managesPerson(actor, r.person), "Only an admin may remove an admin from a team");
  },

  "timeOff.request": (actor, r) =>
    allowIf(self(actor, r.person.id) || managesPerson(actor, r.person), "Only a lead of the person's team may request time off for them"),
  "timeOff.decide": (actor, r) =>
    allowIf(managesPerson(actor, r.person), r.person.role === "admin" ? "Only an admin may approve or deny an admin's time off" : "Only a lead of the person's team may approve or deny time off"),
  "timeOff.cancel": (actor, r) => allowIf(self(actor, r.person.id) || managesPerson(actor, r.person), "Only the person or their lead may cancel time off"),
  "timeOff.cancelStarted": (actor, r) => allowIf(managesPerson(actor, r.person), "Time off that has started can only be cancelled by a lead"),
  // Payroll corrections: a window wholly in the past is recorded (approved at once) by whoever could approve it.
  "timeOff.recordPast": (actor, r) => allowIf(managesPerson(actor, r.person), "Time off that has already ended can only be recorded by a lead of the person's team or an admin"),
  // Reading is wider than deciding: a lead sees the note of an admin on their team, but cannot decide on it.
  "timeOff.readNote": (actor, r) =>
    allowIf(self(actor, r.person.id) || leadsAnyOf(actor, r.person.teamIds), "Only the person, the leads of their teams and admins see why they are away"),

  "shift.schedule": (actor, r) => {
    if (leadsTeam(actor, r.teamId)) return true;
    if (!self(actor, r.personId)) return deny("Only a lead of this team may schedule shifts for someone else", "personId");
    return allowIf(!r.outsideSupportHours, "Only a lead may schedule a shift outside support hours");
  },
  "shift.scheduleAnyone": (actor, r) => allowIf(leadsTeam(actor, r.teamId), "Only a lead of this team may schedule shifts for someone else"),
  "shiftPattern.delete": (actor, r) => allowIf(leadsTeam(actor, r.teamId) || self(actor, r.personId), "Only a lead of this team or the pattern's person may delete it"),

  "schedule.manage": (actor, r) =>
    allowIf(r.teamId ? leadsTeam(actor, r.teamId) : isManager(actor), "Only an admin or a lead of the schedule's team may manage this schedule"),
  "schedule.override.create": (actor, r) => {
    if (r.teamId ? leadsTeam(actor, r.teamId) : isManager(actor)) return true;
    if (!self(actor, r.personId)) return deny("Only a lead may put someone else on call", "personId");
    if (r.replacesPersonId !== null && !self(actor, r.replacesPersonId)) {
      return deny("Taking someone off call needs a lead, or their consent through a swap", "replacesPersonId");
    }
    return allowIf(r.participantIds.includes(actor.personId), "Only the schedule's participants may put themselves on call; ask a lead of its team");
  },
  "schedule.override.delete": (actor, r) =>
    allowIf(
      (r.teamId ? leadsTeam(actor, r.teamId) : isManager(actor)) || self(actor, r.personId) || self(actor, r.createdBy),
      "Only a lead, the override's person or its creator may remove it",
    ),

  "swap.read": (actor, r) => {
    const s = r.swap;
    if (self(actor, s.requesterId) || self(actor, s.counterpartId) || managesSwap(actor, s)) return true;
    // An open swap is visible to whoever could take it: for a shift, the members of its team.
    const takeable = isOpenUntaken(s) && (s.offeredKind !== "shift" || (s.teamId !== null && r.actorTeamIds.includes(s.teamId)));
    return allowIf(takeable, "Only the two people, a lead of the team or an admin may read this swap");
  },
  "swap.create": (actor, r) => allowIf(self(actor, r.requesterId) || managesSwap(actor, r), "Only a lead may offer someone else's assignment"),
  "swap.manage": (actor, r) => allowIf(managesSwap(actor, r), "Only a lead of the team may act for others on this swap"),
  "swap.accept": (actor, { swap }) => {
    if (isOpenUntaken(swap)) return allowIf(!self(actor, swap.requesterId), "You cannot take your own open swap");
    if (self(actor, swap.counterpartId) || managesSwap(actor, swap)) return true;
    return deny(self(actor, swap.requesterId) ? "You cannot accept your own swap; the other person does" : "Only the person the swap is offered to (or a lead) may accept it");
  },
  "swap.decline": (actor, { swap }) => allowIf(self(actor, swap.counterpartId) || managesSwap(actor, swap), "Only the person the swap is offered to (or a lead) may decline it"),
  "swap.approve": (actor, { swap }) => allowIf(managesSwap(actor, swap), "Only a lead of the team may approve a swap"),
  "swap.complete": (actor, { swap }) =>
    allowIf(self(actor, swap.requesterId) || self(actor, swap.counterpartId) || managesSwap(actor, swap), "Only the two people or a lead may complete a swap"),
  "swap.cancel": (actor, { swap }) => allowIf(self(actor, swap.requesterId) || managesSwap(actor, swap), "Only the person who offered the swap (or a lead) may cancel it"),

  "duty.manage": (actor) => allowIf(isManager(actor), "Only an admin or a lead may manage duty programs and slots"),
  "duty.book": (actor, r) => allowIf(self(actor, r.personId) || isManager(actor), "Only an admin or a lead may book a slot for someone else"),
  "duty.booking.change": (actor, r) => allowIf(self(actor, r.personId) || isManager(actor), "Only the person who holds it or a lead may change this booking"),

  "token.manage": (actor, r) => allowIf(self(actor, r.ownerId) || isAdmin(actor), "Only an admin may manage the tokens of another person"),
  // A feed shows what its subject's readers may read: a person's assignments (and time off) to them and their leads,
  // a team's shifts to its members and leads, schedules and the duty calendar to everyone signed in.
  "feed.create": (actor, r) => {
    switch (r.subject.kind) {
      case "person":
        return allowIf(self(actor, r.subject.person.id) || managesPerson(actor, r.subject.person), "Only the person, a lead of their team or an admin may publish a person's assignments");
      case "team":
        return allowIf(leadsTeam(actor, r.subject.teamId) || r.actorTeamIds.includes(r.subject.teamId), "Only the team's members, its leads or an admin may publish its shifts");
      default:
        return true;
    }
  },
  // Managed by whoever made it, the leads of its subject, and admins.
  "feed.manage": (actor, r) =>
    allowIf(
      self(actor, r.ownerId) ||
        isAdmin(actor) ||
        (r.subject.kind === "person" && managesPerson(actor, r.subject.person)) ||
        (r.subject.kind === "team" && leadsTeam(actor, r.subject.teamId)) ||
        (r.subject.kind === "schedule" && r.subject.teamId !== null && leadsTeam(actor, r.subject.teamId)),
      "Only the feed's owner, a lead of its subject or an admin may manage this feed",
    ),
  "calendarTarget.create": (actor, r) =>
    allowIf(managesPublication(actor, r.subject), "Only the person, a lead of the subject's team or an admin may push these events to a Google calendar"),
  "calendarTarget.manage": (actor, r) =>
    allowIf(self(actor, r.ownerId) || managesPublication(actor, r.subject), "Only the target's owner, a lead of its subject or an admin may manage this sync target"),
  "audit.read": (actor) => allowIf(isAdmin(actor), "Only an admin may read the audit log"),
  "import.run": (actor) => allowIf(isAdmin(actor), "Only an admin may import from another system"),
  "slack.workspace.manage": (actor) => allowIf(isAdmin(actor), "Only an admin may manage Slack workspaces"),
};

function verdict<A extends Action>(actor: Actor, action: A, resource: Resources[A]): Verdict {
  return (rules[action] as (actor: Actor, resource: Resources[A]) => Verdict)(actor, resource);
}

/** Whether the actor may do `action` on the resource described by its facts. */
export function can<A extends Action>(actor: Actor, action: A, resource: Resources[A]): boolean {
  return verdict(actor, action, resource) === true;
}

/** Why the actor may not do `action` (the 403's detail and field), or null when they may: for batches that report every refusal. */
export function refusal<A extends Action>(actor: Actor, action: A, resource: Resources[A]): { detail: string; field?: string } | null {
  const v = verdict(actor, action, resource);
  return v === true ? null : v;
}

/** Like `can`, but throws the 403 `forbidden` saying why. */
export function authorize<A extends Action>(actor: Actor, action: A, resource: Resources[A]): void {
  const v = verdict(actor, action, resource);
  if (v !== true) throw new DomainError("forbidden", v.detail, v.field ? { field: v.field } : {});
}

/**
 * Which swaps GET /v1/swaps may list for this actor, as a filter the query
 * can apply (the list form of "swap.read", minus open swaps for takers,
 * which /v1/swaps/open lists).
 */
export function readableSwaps(actor: Actor): { all: true } | { all: false; personId: string; ledTeamIds: readonly string[]; teamless: boolean } {
  if (isAdmin(actor)) return { all: true };
  return { all: false, personId: actor.personId, ledTeamIds: actor.role === "lead" ? actor.ledTeamIds : [], teamless: isManager(actor) };
}

export function notFound(entity: string, id: string): DomainError {
  return new DomainError("not_found", `No ${entity} with id ${id}`);
}

/** If-Match: the change applies only to one of the versions the client read. */
export function checkVersion(entity: string, current: number, ifMatch: readonly number[] | undefined): void {
  if (ifMatch !== undefined && !ifMatch.includes(current)) {
    throw new DomainError("precondition_failed", `The ${entity} changed since you read it (now version ${current}); read it again and retry`);
  }
}
