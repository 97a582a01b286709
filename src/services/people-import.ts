import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import type { NewPerson, Person, PersonRole, Team, TeamMember } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { localDayBounds } from "../domain/wallclock.ts";
import { auditMany, diff } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { ADMIN_SET_LOCK_KEY, normalizeSkills, validTimeZone, type PersonInput } from "./people.ts";
import { authorize, refusal, type PersonFacts, type PersonField } from "./policy.ts";
import { mintSignInLinks } from "./sign-in.ts";

/*
 * Setting up a company in one request: a file of people (JSON or CSV, read
 * by the HTTP layer into rows) is planned in full against the database, every
 * bad row is reported at once, and only a file without any is written, in
 * one transaction with a few bulk statements. People are matched by email
 * (any case, as the unique index compares them), so running the same file
 * again changes nothing. Each row is judged by the rights of the single writes
 * it amounts to (create a person, change their fields, add them to a team,
 * set a lead flag, make a sign-in link): policy.ts decides, row by row.
 */

export const MAX_IMPORT_ROWS = 5000;

export interface ImportTeamRef {
  /** The team's name (any case) or id. */
  team: string;
  /** Lead of that team; listing a team without it makes or keeps the person a plain member. */
  lead?: boolean | undefined;
}

/** One row: POST /v1/people's fields (name and timeZone needed only for someone new), plus teams. */
export type ImportPerson = Partial<Omit<PersonInput, "email" | "trainedAt">> & {
  email: string;
  /** An instant, or a date YYYY-MM-DD: the start of that day in the person's zone. */
  trainedAt?: string | null | undefined;
  teams?: readonly ImportTeamRef[] | undefined;
};

/** A row of the file: `person` is null when the HTTP layer already found it malformed (its errors come separately). */
export interface ImportRow {
  line: number;
  person: ImportPerson | null;
  /** Fields left out of `person` for their format errors: no second error is derived from their absence. */
  malformed?: readonly string[] | undefined;
}

export interface ImportRowError {
  line: number;
  field: string;
  message: string;
}

export interface ImportOptions {
  /** Plan and report, write nothing. */
  dryRun?: boolean | undefined;
  /** A one-time sign-in link for each person created. */
  issueSignInLinks?: boolean | undefined;
}

export interface MembershipChange {
  teamId: string;
  teamName: string;
  action: "add" | "update";
  isLead: boolean;
}

export interface ImportRowOutcome {
  line: number;
  email: string;
  action: "create" | "update" | "unchanged";
  /** Null for a person a dry run would create. */
  personId: string | null;
  changes: Record<string, { from: unknown; to: unknown }>;
  memberships: MembershipChange[];
  signInLink?: { secret: string; expiresAt: Date };
}

export interface PeopleImport {
  dryRun: boolean;
  summary: { rows: number; created: number; updated: number; unchanged: number; membershipsAdded: number; leadFlagsChanged: number; signInLinks: number };
  rows: ImportRowOutcome[];
}

/** The fields an import writes (email is the key, so it never changes). */
const FIELDS = ["name", "timeZone", "role", "title", "skills", "active", "chatUserId", "trainedAt", "workingDays", "workingStart", "workingEnd"] as const;
type Field = (typeof FIELDS)[number];
type PersonState = { [F in Field]: F extends "name" | "timeZone" ? string | undefined : Person[F] };

const NEW_PERSON: PersonState = {
  name: undefined,
  timeZone: undefined,
  role: "member",
  title: null,
  skills: [],
  active: true,
  chatUserId: null,
  trainedAt: null,
  workingDays: null,
  workingStart: null,
  workingEnd: null,
};

const stateOf = (person: Person): PersonState => Object.fromEntries(FIELDS.map((f) => [f, person[f]])) as PersonState;

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

interface TeamChange {
  team: Team;
  isLead: boolean;
  /** The field the row names it by (`teams.2.team`), for errors. */
  field: string;
}

interface RowPlan {
  line: number;
  email: string;
  before: Person | undefined;
  after: PersonState;
  changes: Record<string, { from: unknown; to: unknown }>;
  adds: TeamChange[];
  leadChanges: TeamChange[];
  signInLink: boolean;
}

/** Everything the plan reads, in one go. */
interface Loaded {
  byEmail: Map<string, Person>;
  teamById: Map<string, Team>;
  teamByName: Map<string, Team>;
  /** personId → teamId → membership. */
  memberships: Map<string, Map<string, TeamMember>>;
}

async function load(db: Db, rows: readonly ImportRow[], lock: boolean): Promise<Loaded> {
  const people = rows.flatMap((r) => (r.person ? [r.person] : []));
  const existing = await createPeopleRepository(db).findByEmails(
    people.map((p) => p.email.trim()),
    lock,
  );
  const refs = people.flatMap((p) => (p.teams ?? []).map((t) => t.team.trim()));
  const teamRepo = createTeamRepository(db);
  const teams = await teamRepo.findByIdsOrNames(
    refs.filter((r) => UUID.test(r)),
    refs,
  );
  const memberships = new Map<string, Map<string, TeamMember>>();
  for (const m of await teamRepo.membershipsOf(existing.map((p) => p.id))) {
    const byTeam = memberships.get(m.personId) ?? new Map<string, TeamMember>();
    byTeam.set(m.teamId, m);
    memberships.set(m.personId, byTeam);
  }
  // The teams people are already in, by name too (a demotion to member reports the lead flags it clears).
  const known = new Set(teams.map((t) => t.id));
  const others = [...new Set([...memberships.values()].flatMap((byTeam) => [...byTeam.keys()]))].filter((id) => !known.has(id));
  if (others.length > 0) teams.push(...(await teamRepo.findByIdsOrNames(others, [])));
  return {
    byEmail: new Map(existing.map((p) => [p.email.toLowerCase(), p])),
    teamById: new Map(teams.map((t) => [t.id.toLowerCase(), t])),
    teamByName: new Map(teams.map((t) => [t.name.toLowerCase(), t])),
    memberships,
  };
}

class RowErrors {
  readonly invalid: ImportRowError[] = [];
  readonly refused: ImportRowError[] = [];
  readonly #fields = new Set<string>();
  readonly #fieldOf: (field: string) => string;

  /** `fieldOf`: how the file names a field (a CSV's `teams` column for `teams.1.team`). */
  constructor(initial: readonly ImportRowError[], fieldOf: (field: string) => string = (f) => f) {
    this.#fieldOf = fieldOf;
    for (const e of initial) this.add(e.line, e.field, e.message);
  }

  /** One error per line and field: a field the HTTP layer found malformed is not reported again as missing. */
  add(line: number, path: string, message: string): void {
    const field = this.#fieldOf(path);
    const key = `${line}\u0000${field}`;
    if (this.#fields.has(key)) return;
    this.#fields.add(key);
    this.invalid.push({ line, field, message });
  }

  refuse(line: number, path: string, verdict: { detail: string; field?: string } | null): void {
    if (verdict) this.refused.push({ line, field: this.#fieldOf(path), message: verdict.detail });
  }

  get count(): number {
    return this.invalid.length + this.refused.length;
  }

  /** Refusals make the answer a 403; otherwise a 422. Either lists every bad row, by line. */
  toError(rowCount: number): DomainError {
    const errors = [...this.invalid, ...this.refused].sort((a, b) => a.line - b.line);
    const lines = new Set(errors.map((e) => e.line)).size;
    const shown = errors.slice(0, 3).map((e) => `line ${e.line} ${e.field}: ${e.message}`).join("; ");
    const more = errors.length > 3 ? ` (and ${errors.length - 3} more in errors)` : "";
    const what = `${lines} of ${rowCount} row${rowCount === 1 ? "" : "s"}`;
    return this.refused.length > 0
      ? new DomainError("forbidden", `You may not import ${what}, so nothing was written: ${shown}${more}`, { details: { errors } })
      : new DomainError("invalid_rows", `${what} cannot be imported, so nothing was written: ${shown}${more}`, { details: { errors } });
  }
}

/** The values a row sets, as POST /v1/people would store them; bad values are reported, not thrown. */
function valuesOf(person: ImportPerson, before: Person | undefined, report: (field: string, message: string) => void, malformed: ReadonlySet<string>): Partial<PersonState> {
  const values: Partial<PersonState> = {};
  if (person.name !== undefined) {
    values.name = person.name.trim();
    if (values.name === "") report("name", "must not be blank");
  }
  if (person.timeZone !== undefined) {
    try {
      values.timeZone = validTimeZone(person.timeZone);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      report("timeZone", error.message);
    }
  }
  if (person.role !== undefined) values.role = person.role;
  if (person.title !== undefined) values.title = person.title;
  if (person.skills !== undefined) values.skills = normalizeSkills(person.skills);
  if (person.active !== undefined) values.active = person.active;
  if (person.chatUserId !== undefined) values.chatUserId = person.chatUserId;
  if (person.workingDays !== undefined) values.workingDays = person.workingDays === null ? null : [...new Set(person.workingDays)];
  if (person.workingStart !== undefined) values.workingStart = person.workingStart;
  if (person.workingEnd !== undefined) values.workingEnd = person.workingEnd;
  if (person.trainedAt === null) values.trainedAt = null;
  else if (person.trainedAt !== undefined && DATE.test(person.trainedAt)) {
    // A training date is the start of that day where the person is.
    const zone = values.timeZone ?? before?.timeZone;
    if (zone) values.trainedAt = localDayBounds(person.trainedAt, zone).start;
    else if (person.timeZone === undefined && !malformed.has("timeZone")) report("trainedAt", "a date needs the person's timeZone");
  } else if (person.trainedAt !== undefined) values.trainedAt = new Date(person.trainedAt);
  return values;
}

function planRow(ctx: ServiceContext, row: ImportRow & { person: ImportPerson }, loaded: Loaded, options: ImportOptions, errors: RowErrors): RowPlan {
  const { line, person } = row;
  const report = (field: string, message: string) => errors.add(line, field, message);
  const email = person.email.trim();
  const before = loaded.byEmail.get(email.toLowerCase());
  const malformed = new Set(row.malformed);
  const values = valuesOf(person, before, report, malformed);
  const after: PersonState = { ...(before ? stateOf(before) : NEW_PERSON), ...values };
  if (!before) {
    if (after.name === undefined) report("name", "is required for a new person");
    if (after.timeZone === undefined && person.timeZone === undefined) report("timeZone", "is required for a new person");
  }
  const workingHours = [after.workingDays, after.workingStart, after.workingEnd].filter((v) => v !== null).length;
  const hoursMalformed = ["workingDays", "workingStart", "workingEnd"].some((f) => malformed.has(f));
  if (workingHours !== 0 && workingHours !== 3 && !hoursMalformed) report("workingDays", "Set workingDays, workingStart and workingEnd together, or none of them");

  const changes = before
    ? diff(stateOf(before), after)
    : Object.fromEntries(Object.entries(values).map(([field, to]) => [field, { from: null, to: to instanceof Date ? to.toISOString() : to }]));
  const changedFields = Object.keys(changes) as PersonField[];
  const displayName = after.name ?? email;

  // Memberships: the listed teams are joined, and their lead flag set as listed. Others stay as they are,
  // except that a person demoted to member leads nothing (as PATCH /v1/people does it).
  const current = (before && loaded.memberships.get(before.id)) || new Map<string, TeamMember>();
  const demoted = before !== undefined && before.role !== "member" && after.role === "member";
  const adds: TeamChange[] = [];
  const leadChanges: TeamChange[] = [];
  const listed = new Set<string>();
  (person.teams ?? []).forEach((ref, i) => {
    const field = `teams.${i}.team`;
    const name = ref.team.trim();
    const team = (UUID.test(name) ? loaded.teamById.get(name.toLowerCase()) : undefined) ?? loaded.teamByName.get(name.toLowerCase());
    if (!team) return report(field, `No team is named "${name}" or has that id; create it first (POST /v1/teams)`);
    if (listed.has(team.id)) return report(field, `${team.name} is listed twice`);
    listed.add(team.id);
    const isLead = ref.lead ?? false;
    if (isLead && after.role === "member") {
      report(`teams.${i}.lead`, `${displayName} has the member role; give them the lead role to make them a lead of ${team.name}`);
    }
    const membership = current.get(team.id);
    if (!membership) adds.push({ team, isLead, field });
    else if (membership.isLead !== isLead) leadChanges.push({ team, isLead, field });
  });
  if (demoted) {
    for (const [teamId, membership] of current) {
      if (membership.isLead && !listed.has(teamId)) {
        leadChanges.push({ team: loaded.teamById.get(teamId)!, isLead: false, field: "role" });
      }
    }
  }
  if (adds.length > 0 && !after.active) report("teams", `${displayName} is deactivated: a deactivated person cannot join a team`);

  // Rights: what the row changes, judged as the single writes it amounts to.
  const { actor } = ctx;
  const facts: PersonFacts = { id: before?.id ?? "", role: before?.role ?? after.role, teamIds: [...current.keys()] };
  if (!before) {
    const verdict = refusal(actor, "person.create", { role: after.role, setsTrainedAt: after.trainedAt !== null, inactive: !after.active });
    errors.refuse(line, verdict?.field ?? "email", verdict);
  } else if (changedFields.length > 0) {
    // Joining a team the caller leads, in the same row, puts the person in that lead's care first.
    const joined = { ...facts, teamIds: [...facts.teamIds, ...adds.map((a) => a.team.id)] };
    const verdict = refusal(actor, "person.update.fields", { person: joined, fields: changedFields });
    errors.refuse(line, verdict?.field ?? changedFields[0]!, verdict);
  }
  for (const add of adds) {
    const verdict = refusal(actor, "team.members.manage", { teamId: add.team.id }) ?? refusal(actor, "team.member.add", { teamId: add.team.id, person: facts });
    errors.refuse(line, add.field, verdict);
  }
  for (const change of leadChanges) {
    const verdict =
      refusal(actor, "team.members.manage", { teamId: change.team.id }) ?? refusal(actor, "team.member.update", { teamId: change.team.id, person: facts });
    errors.refuse(line, change.field.replace(/\.team$/, ".lead"), verdict);
  }
  const signInLink = options.issueSignInLinks === true && !before;
  if (signInLink) {
    if (!after.active) report("active", "A deactivated person cannot sign in, so gets no sign-in link");
    const newcomer: PersonFacts = { id: "", role: after.role, teamIds: adds.map((a) => a.team.id) };
    errors.refuse(line, "issueSignInLinks", refusal(actor, "person.signInLink", { person: newcomer }));
  }
  return { line, email, before, after, changes, adds, leadChanges, signInLink };
}

/** The same email twice in one file is ambiguous: every line of it is reported, naming the others. */
function reportDuplicates(rows: readonly ImportRow[], errors: RowErrors): void {
  const lines = new Map<string, number[]>();
  for (const row of rows) {
    if (!row.person) continue;
    const key = row.person.email.trim().toLowerCase();
    lines.set(key, [...(lines.get(key) ?? []), row.line]);
  }
  for (const [email, found] of lines) {
    if (found.length < 2) continue;
    for (const line of found) {
      const others = found.filter((l) => l !== line);
      errors.add(line, "email", `${email} is also on line${others.length === 1 ? "" : "s"} ${others.join(", ")}: list each person once`);
    }
  }
}

/** A file must not leave the company without an active admin (PATCH /v1/people keeps the same rule). */
async function guardLastAdmin(db: Db, plans: readonly RowPlan[], lock: boolean, errors: RowErrors): Promise<void> {
  const isActiveAdmin = (s: { role: PersonRole; active: boolean }) => s.role === "admin" && s.active;
  const losing = plans.filter((p) => p.before && isActiveAdmin(p.before) && !isActiveAdmin(p.after));
  if (losing.length === 0) return;
  if (lock) await db.execute(sql`SELECT pg_advisory_xact_lock(${ADMIN_SET_LOCK_KEY})`);
  const gaining = plans.filter((p) => isActiveAdmin(p.after) && !(p.before && isActiveAdmin(p.before))).length;
  if ((await createPeopleRepository(db).countActiveAdmins()) - losing.length + gaining >= 1) return;
  for (const p of losing) {
    errors.add(p.line, p.after.role !== "admin" ? "role" : "active", "The file would leave no active admin; make someone else admin first (in this file or before)");
  }
}

function outcomeOf(plan: RowPlan, personId: string | null): ImportRowOutcome {
  const memberships = [
    ...plan.adds.map((a) => ({ teamId: a.team.id, teamName: a.team.name, action: "add" as const, isLead: a.isLead })),
    ...plan.leadChanges.map((c) => ({ teamId: c.team.id, teamName: c.team.name, action: "update" as const, isLead: c.isLead })),
  ];
  const touched = Object.keys(plan.changes).length > 0 || memberships.length > 0;
  return {
    line: plan.line,
    email: plan.before?.email ?? plan.email,
    action: !plan.before ? "create" : touched ? "update" : "unchanged",
    personId,
    changes: plan.changes,
    memberships,
  };
}

function summaryOf(rows: ImportRowOutcome[], dryRun: boolean): PeopleImport {
  const count = (action: ImportRowOutcome["action"]) => rows.filter((r) => r.action === action).length;
  const memberships = rows.flatMap((r) => r.memberships);
  return {
    dryRun,
    summary: {
      rows: rows.length,
      created: count("create"),
      updated: count("update"),
      unchanged: count("unchanged"),
      membershipsAdded: memberships.filter((m) => m.action === "add").length,
      leadFlagsChanged: memberships.filter((m) => m.action === "update").length,
      signInLinks: rows.filter((r) => r.signInLink).length,
    },
    rows,
  };
}

async function plan(ctx: ServiceContext, db: Db, input: ImportInput, options: ImportOptions, lock: boolean) {
  const { rows } = input;
  const errors = new RowErrors(input.errors ?? [], input.fieldOf);
  reportDuplicates(rows, errors);
  const loaded = await load(db, rows, lock);
  const plans = rows.flatMap((row) => (row.person ? [planRow(ctx, row as ImportRow & { person: ImportPerson }, loaded, options, errors)] : []));
  await guardLastAdmin(db, plans, lock, errors);
  if (errors.count > 0) throw errors.toError(rows.length);
  return plans;
}

/** Writes a valid plan: a few statements per kind of change, whatever the number of rows, with audit entries like single writes make. */
async function apply(ctx: ServiceContext, tx: Db, plans: readonly RowPlan[]): Promise<ImportRowOutcome[]> {
  const peopleRepo = createPeopleRepository(tx);
  const teamRepo = createTeamRepository(tx);
  const { now } = ctx;

  const creates = plans.filter((p) => !p.before);
  const created = await peopleRepo.insertMany(
    creates.map((p) => ({ ...p.after, name: p.after.name!, timeZone: p.after.timeZone!, email: p.email, createdAt: now, updatedAt: now }) satisfies NewPerson),
  );
  const createdByEmail = new Map(created.map((p) => [p.email.toLowerCase(), p]));

  const updates = plans.filter((p) => p.before && Object.keys(p.changes).length > 0);
  const written = await peopleRepo.updateMany(
    updates.map((p) => ({ ...p.after, id: p.before!.id, version: p.before!.version, name: p.after.name!, timeZone: p.after.timeZone! })),
    now,
  );
  // The rows were read FOR UPDATE, so nobody can have changed one in between.
  if (written.length !== updates.length) throw new DomainError("conflict", "Someone changed a person while the import ran; run it again");
  const writtenById = new Map(written.map((p) => [p.id, p]));

  const idOf = (p: RowPlan) => p.before?.id ?? createdByEmail.get(p.email.toLowerCase())!.id;
  const added = await teamRepo.addMembers(plans.flatMap((p) => p.adds.map((a) => ({ teamId: a.team.id, personId: idOf(p), isLead: a.isLead, createdAt: now }))));
  const leadChanges = plans.flatMap((p) => p.leadChanges.map((c) => ({ teamId: c.team.id, personId: idOf(p), isLead: c.isLead })));
  await teamRepo.setLeads(leadChanges);

  const links = await mintSignInLinks(tx, ctx, plans.filter((p) => p.signInLink).map(idOf));
  const linkByPerson = new Map(links.map((l) => [l.personId, l]));

  const entries: { entity: string; entityId: string; action: string; changes: Record<string, unknown> }[] = [
    ...created.map((person) => ({ entity: "person", entityId: person.id, action: "create", changes: { after: person } })),
    ...updates.map((p) => {
      const after = writtenById.get(p.before!.id)!;
      return { entity: "person", entityId: after.id, action: p.before!.active && !after.active ? "deactivate" : "update", changes: diff(p.before!, after) };
    }),
    ...added.map((m) => ({ entity: "team_member", entityId: `${m.teamId}/${m.personId}`, action: "create", changes: { after: m } })),
    ...leadChanges.map((c) => ({ entity: "team_member", entityId: `${c.teamId}/${c.personId}`, action: "update", changes: { isLead: { from: !c.isLead, to: c.isLead } } })),
  ];
  const outcomes = plans.map((p) => {
    const outcome = outcomeOf(p, idOf(p));
    const link = linkByPerson.get(outcome.personId!);
    return link ? { ...outcome, signInLink: { secret: link.secret, expiresAt: link.expiresAt } } : outcome;
  });
  if (entries.length > 0) {
    const { summary } = summaryOf(outcomes, false);
    entries.push({ entity: "person_import", entityId: ctx.requestId, action: "apply", changes: { after: summary } });
  }
  await auditMany(tx, ctx, entries);
  return outcomes;
}

/**
 * Imports a file of people: creates the new, updates the known (by email),
 * adds the listed memberships and sets their lead flags. All or nothing: any
 * bad row → 422 (403 when a row asks for something the caller may not do)
 * listing every bad row by line and field. A dry run answers the same plan,
 * or the same errors, and writes nothing.
 */
export interface ImportInput {
  rows: readonly ImportRow[];
  /** The rows' format errors, found while reading the file. */
  errors?: readonly ImportRowError[] | undefined;
  /** How the file names a field in errors (a CSV names columns); the JSON path (`teams.1.team`) by default. */
  fieldOf?: ((field: string) => string) | undefined;
}

export async function importPeople(ctx: ServiceContext, input: ImportInput, options: ImportOptions = {}): Promise<PeopleImport> {
  authorize(ctx.actor, "person.import", {});
  const { rows } = input;
  if (rows.length > MAX_IMPORT_ROWS) {
    throw new DomainError("too_many_rows", `The file has ${rows.length} rows; an import takes at most ${MAX_IMPORT_ROWS}: split it`, {
      details: { maxRows: MAX_IMPORT_ROWS, rows: rows.length },
    });
  }
  if (options.dryRun) {
    const plans = await plan(ctx, ctx.db, input, options, false);
    return summaryOf(
      plans.map((p) => outcomeOf(p, p.before?.id ?? null)),
      true,
    );
  }
  const outcomes = await ctx.db.transaction(async (tx) => apply(ctx, tx, await plan(ctx, tx, input, options, true)));
  return summaryOf(outcomes, false);
}
