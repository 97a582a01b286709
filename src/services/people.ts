import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import type { PageRequest } from "../db/pagination.ts";
import { createPeopleRepository, type PeopleFilter } from "../db/repositories/people.ts";
import type { NewPerson, Person, PersonRole } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { normalizeTimeZone } from "../domain/timezone.ts";
import { audit, diff } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { personFacts } from "./facts.ts";
import { authorize, checkVersion, notFound, type PersonField } from "./policy.ts";

export interface PersonInput {
  name: string;
  email: string;
  timeZone: string;
  role?: PersonRole | undefined;
  title?: string | null | undefined;
  skills?: string[] | undefined;
  active?: boolean | undefined;
  chatUserId?: string | null | undefined;
  trainedAt?: string | Date | null | undefined;
  workingDays?: string[] | null | undefined;
  workingStart?: string | null | undefined;
  workingEnd?: string | null | undefined;
}

export type PersonPatch = Partial<PersonInput>;

export function validTimeZone(input: string, field = "timeZone"): string {
  const zone = normalizeTimeZone(input);
  if (!zone) {
    throw new DomainError("unknown_time_zone", `"${input}" is not an IANA time zone name (use e.g. America/Los_Angeles, not PST)`, { field });
  }
  return zone;
}

/** Skills as stored: trimmed, lower-case, once each, sorted. */
export function normalizeSkills(skills: readonly string[]): string[] {
  return [...new Set(skills.map((s) => s.trim().toLowerCase()))].sort();
}

function toValues(input: PersonPatch): Partial<NewPerson> {
  const values: Partial<NewPerson> = {};
  if (input.name !== undefined) values.name = input.name.trim();
  if (input.email !== undefined) values.email = input.email.trim();
  if (input.timeZone !== undefined) values.timeZone = validTimeZone(input.timeZone);
  if (input.role !== undefined) values.role = input.role;
  if (input.title !== undefined) values.title = input.title;
  if (input.skills !== undefined) values.skills = normalizeSkills(input.skills);
  if (input.active !== undefined) values.active = input.active;
  if (input.chatUserId !== undefined) values.chatUserId = input.chatUserId;
  if (input.trainedAt !== undefined) values.trainedAt = input.trainedAt === null ? null : new Date(input.trainedAt);
  if (input.workingDays !== undefined) values.workingDays = input.workingDays === null ? null : [...new Set(input.workingDays)];
  if (input.workingStart !== undefined) values.workingStart = input.workingStart;
  if (input.workingEnd !== undefined) values.workingEnd = input.workingEnd;
  return values;
}

/** Working hours are all three fields or none (the default, Mon–Fri 09:00–17:00). */
function checkWorkingHours(person: Pick<Person, "workingDays" | "workingStart" | "workingEnd">) {
  const set = [person.workingDays, person.workingStart, person.workingEnd].filter((v) => v !== null && v !== undefined).length;
  if (set !== 0 && set !== 3) {
    throw new DomainError("incomplete_working_hours", "Set workingDays, workingStart and workingEnd together, or all to null", { field: "workingDays" });
  }
}

/** Arbitrary, fixed: serialises changes that can remove an admin (here and in a batch import). */
export const ADMIN_SET_LOCK_KEY = 7_202_613;

/**
 * Keeps the last active admin from demoting or deactivating themselves out
 * of the system. Two admins demoting each other at once must not both
 * succeed, so changes that can remove an admin take a transaction lock
 * before counting.
 */
async function guardLastAdmin(db: Db, before: Person, values: Partial<NewPerson>) {
  const losesAdmin = before.role === "admin" && before.active && ((values.role !== undefined && values.role !== "admin") || values.active === false);
  if (!losesAdmin) return;
  await db.execute(sql`SELECT pg_advisory_xact_lock(${ADMIN_SET_LOCK_KEY})`);
  if ((await createPeopleRepository(db).countActiveAdmins()) <= 1) {
    throw new DomainError("last_admin", "This is the last active admin; make someone else admin first", {
      field: values.active === false ? "active" : "role",
    });
  }
}

export async function createPerson(ctx: ServiceContext, input: PersonInput): Promise<Person> {
  const role = input.role ?? "member";
  authorize(ctx.actor, "person.create", { role, setsTrainedAt: input.trainedAt !== undefined, inactive: input.active === false });
  const values = toValues({ ...input, role }) as NewPerson;
  checkWorkingHours({ workingDays: values.workingDays ?? null, workingStart: values.workingStart ?? null, workingEnd: values.workingEnd ?? null });
  return ctx.db.transaction(async (tx) => {
    const person = await createPeopleRepository(tx).insert({ ...values, createdAt: ctx.now, updatedAt: ctx.now });
    await audit(tx, ctx, { entity: "person", entityId: person.id, action: "create", changes: { after: person } });
    return person;
  });
}

export async function getPerson(ctx: ServiceContext, id: string): Promise<Person> {
  const person = await createPeopleRepository(ctx.db).findById(id);
  if (!person) throw notFound("person", id);
  return person;
}

/** The caller's own record: the row authentication read with the token, so answering costs no second read. */
export async function getMe(ctx: ServiceContext): Promise<Person> {
  return ctx.actor.person ?? getPerson(ctx, ctx.actor.personId);
}

export async function listPeople(ctx: ServiceContext, filter: PeopleFilter, page: PageRequest) {
  return createPeopleRepository(ctx.db).list(filter, page);
}

/**
 * Applies a partial update. `ifMatch` holds the versions from If-Match: a stale
 * one is a 412 so two editors never overwrite each other blindly.
 */
export async function updatePerson(ctx: ServiceContext, id: string, patch: PersonPatch, ifMatch?: readonly number[]): Promise<Person> {
  return ctx.db.transaction(async (tx) => {
    const repo = createPeopleRepository(tx);
    const before = await repo.findByIdForUpdate(id);
    if (!before) throw notFound("person", id);
    const fields = (Object.keys(patch) as (keyof PersonPatch & PersonField)[]).filter((f) => patch[f] !== undefined);
    authorize(ctx.actor, "person.update.fields", { person: await personFacts(tx, before), fields });
    checkVersion("person", before.version, ifMatch);
    const values = toValues(patch);
    checkWorkingHours({ ...before, ...values } as Person);
    await guardLastAdmin(tx, before, values);
    const after = await repo.update(id, before.version, values, ctx.now);
    if (!after) throw new DomainError("precondition_failed", "The person changed while updating; read it again");
    // A person who stops being a lead (or admin) keeps their memberships but leads nothing.
    if (values.role === "member" && before.role !== "member") await repo.clearLeadFlags(id);
    const changes = diff(before, after);
    if (Object.keys(changes).length > 0) {
      await audit(tx, ctx, { entity: "person", entityId: id, action: values.active === false && before.active ? "deactivate" : "update", changes });
    }
    return after;
  });
}

/** People are never deleted: their shifts, bookings and audit trail stay readable. */
export async function deactivatePerson(ctx: ServiceContext, id: string, ifMatch?: readonly number[]): Promise<Person> {
  const person = await getPerson(ctx, id);
  authorize(ctx.actor, "person.deactivate", { person: await personFacts(ctx.db, person) });
  return updatePerson(ctx, id, { active: false }, ifMatch);
}
