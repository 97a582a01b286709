import type { Db } from "../db/client.ts";
import type { PageRequest } from "../db/pagination.ts";
import { createDutyRepository } from "../db/repositories/duty.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";
import { createShiftRepository } from "../db/repositories/shifts.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import type { NewTeam, Person, Team, TeamMember } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { audit, diff } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { personFacts } from "./facts.ts";
import { authorize, can, checkVersion, notFound } from "./policy.ts";
import { validTimeZone } from "./people.ts";

export interface TeamInput {
  name: string;
  description?: string | null | undefined;
  timeZone: string;
  minShiftMinutes?: number | undefined;
  shiftGranularityMinutes?: number | undefined;
  maxConcurrentChats?: number | undefined;
  swapApprovalRequired?: boolean | undefined;
  timeOffAutoApprove?: boolean | undefined;
  selfScheduling?: boolean | undefined;
  openSwapsOnTimeOff?: boolean | undefined;
}

export type TeamPatch = Partial<TeamInput>;

export interface Membership extends TeamMember {
  person: Person;
}

function toValues(input: TeamPatch): Partial<NewTeam> {
  const values: Partial<NewTeam> = {};
  for (const key of Object.keys(input) as (keyof TeamPatch)[]) {
    if (input[key] !== undefined) (values as Record<string, unknown>)[key] = input[key];
  }
  if (input.name !== undefined) values.name = input.name.trim();
  if (input.timeZone !== undefined) values.timeZone = validTimeZone(input.timeZone);
  return values;
}

/** Shift rules must fit a day and each other: 4-hour minimum on a 60-minute grid is fine, 90 on 60 is not. */
function validateShiftRules(team: Pick<Team, "minShiftMinutes" | "shiftGranularityMinutes">) {
  if (1440 % team.shiftGranularityMinutes !== 0) {
    throw new DomainError("invalid_shift_rules", "shiftGranularityMinutes must divide a day (1440 minutes), e.g. 15, 30, 60", {
      field: "shiftGranularityMinutes",
    });
  }
  if (team.minShiftMinutes % team.shiftGranularityMinutes !== 0) {
    throw new DomainError(
      "invalid_shift_rules",
      `minShiftMinutes (${team.minShiftMinutes}) must be a multiple of shiftGranularityMinutes (${team.shiftGranularityMinutes})`,
      { field: "minShiftMinutes" },
    );
  }
}

const DEFAULTS = { minShiftMinutes: 60, shiftGranularityMinutes: 60 };

export async function createTeam(ctx: ServiceContext, input: TeamInput): Promise<Team> {
  authorize(ctx.actor, "team.create", {});
  const values = toValues(input) as NewTeam;
  validateShiftRules({ ...DEFAULTS, ...values });
  return ctx.db.transaction(async (tx) => {
    const repo = createTeamRepository(tx);
    const team = await repo.insert({ ...values, createdAt: ctx.now, updatedAt: ctx.now });
    await audit(tx, ctx, { entity: "team", entityId: team.id, action: "create", changes: { after: team } });
    // A lead who creates a team leads it; an admin leads every team anyway.
    if (!can(ctx.actor, "team.update", { teamId: team.id })) {
      const membership = await repo.addMember({ teamId: team.id, personId: ctx.actor.personId, isLead: true, createdAt: ctx.now });
      await audit(tx, ctx, { entity: "team_member", entityId: `${team.id}/${ctx.actor.personId}`, action: "create", changes: { after: membership } });
    }
    return team;
  });
}

export async function getTeam(ctx: ServiceContext, id: string): Promise<Team> {
  const team = await createTeamRepository(ctx.db).findById(id);
  if (!team) throw notFound("team", id);
  return team;
}

export async function listTeams(ctx: ServiceContext, filter: { q?: string | undefined }, page: PageRequest) {
  return createTeamRepository(ctx.db).list(filter, page);
}

export async function updateTeam(ctx: ServiceContext, id: string, patch: TeamPatch, ifMatch?: readonly number[]): Promise<Team> {
  return ctx.db.transaction(async (tx) => {
    const repo = createTeamRepository(tx);
    const before = await repo.findByIdForUpdate(id);
    if (!before) throw notFound("team", id);
    authorize(ctx.actor, "team.update", { teamId: id });
    checkVersion("team", before.version, ifMatch);
    const values = toValues(patch);
    validateShiftRules({ ...before, ...values });
    const after = await repo.update(id, before.version, values, ctx.now);
    if (!after) throw new DomainError("precondition_failed", "The team changed while updating; read it again");
    const changes = diff(before, after);
    if (Object.keys(changes).length > 0) await audit(tx, ctx, { entity: "team", entityId: id, action: "update", changes });
    return after;
  });
}

/**
 * Deletes a team with its memberships, support hours and past shifts (the
 * audit log keeps the record). Refused while the team has work ahead: a
 * shift not yet over is somebody's plan.
 */
export async function deleteTeam(ctx: ServiceContext, id: string, ifMatch?: readonly number[]): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const repo = createTeamRepository(tx);
    const before = await repo.findByIdForUpdate(id);
    if (!before) throw notFound("team", id);
    authorize(ctx.actor, "team.delete", { teamId: id });
    checkVersion("team", before.version, ifMatch);
    const future = await createShiftRepository(tx).countFutureForTeam(id, ctx.now);
    if (future > 0) {
      throw new DomainError(
        "team_has_future_assignments",
        `The team has ${future} shift${future === 1 ? "" : "s"} that ${future === 1 ? "has" : "have"} not ended yet; delete or move them first`,
        { details: { futureShifts: future } },
      );
    }
    const programs = await createDutyRepository(tx).programsUsingTeamHours(id);
    if (programs.length > 0) {
      throw new DomainError(
        "team_in_use",
        `Duty program${programs.length === 1 ? "" : "s"} ${programs.map((p) => `"${p.name}"`).join(", ")} take${programs.length === 1 ? "s" : ""} its hours from this team; give ${programs.length === 1 ? "it" : "them"} other hours first`,
        { details: { dutyProgramIds: programs.map((p) => p.id) } },
      );
    }
    await repo.delete(id);
    await audit(tx, ctx, { entity: "team", entityId: id, action: "delete", changes: { before } });
  });
}

async function requirePerson(tx: Db, personId: string): Promise<Person> {
  const person = await createPeopleRepository(tx).findById(personId);
  if (!person) throw new DomainError("not_found", `No person with id ${personId}`, { field: "personId" });
  return person;
}

function requireLeadable(person: Person, isLead: boolean): void {
  if (isLead && person.role === "member") {
    throw new DomainError("person_not_lead", `${person.name} has the member role; give them the lead role before making them a team lead`, {
      field: "isLead",
    });
  }
}

export async function listMembers(ctx: ServiceContext, teamId: string, page: PageRequest) {
  await getTeam(ctx, teamId);
  const result = await createTeamRepository(ctx.db).listMembers(teamId, page);
  return { ...result, items: result.items.map(({ membership, person }) => ({ ...membership, person })) };
}

export async function addMember(ctx: ServiceContext, teamId: string, input: { personId: string; isLead?: boolean | undefined }): Promise<Membership> {
  const isLead = input.isLead ?? false;
  return ctx.db.transaction(async (tx) => {
    const repo = createTeamRepository(tx);
    if (!(await repo.findById(teamId))) throw notFound("team", teamId);
    authorize(ctx.actor, "team.members.manage", { teamId });
    const person = await requirePerson(tx, input.personId);
    authorize(ctx.actor, "team.member.add", { teamId, person: await personFacts(tx, person) });
    requireLeadable(person, isLead);
    if (!person.active) throw new DomainError("person_inactive", `${person.name} is deactivated`, { field: "personId" });
    if (await repo.findMember(teamId, input.personId)) {
      throw new DomainError("already_member", `${person.name} is already a member of this team`, { field: "personId" });
    }
    const membership = await repo.addMember({ teamId, personId: input.personId, isLead, createdAt: ctx.now });
    await audit(tx, ctx, { entity: "team_member", entityId: `${teamId}/${input.personId}`, action: "create", changes: { after: membership } });
    return { ...membership, person };
  });
}

export async function updateMember(ctx: ServiceContext, teamId: string, personId: string, input: { isLead: boolean }): Promise<Membership> {
  return ctx.db.transaction(async (tx) => {
    const repo = createTeamRepository(tx);
    if (!(await repo.findById(teamId))) throw notFound("team", teamId);
    authorize(ctx.actor, "team.members.manage", { teamId });
    const before = await repo.findMember(teamId, personId);
    if (!before) throw notFound("team member", personId);
    const person = await requirePerson(tx, personId);
    authorize(ctx.actor, "team.member.update", { teamId, person: await personFacts(tx, person) });
    requireLeadable(person, input.isLead);
    const after = (await repo.setLead(teamId, personId, input.isLead))!;
    const changes = diff(before, after);
    if (Object.keys(changes).length > 0) {
      await audit(tx, ctx, { entity: "team_member", entityId: `${teamId}/${personId}`, action: "update", changes });
    }
    return { ...after, person };
  });
}

export async function removeMember(ctx: ServiceContext, teamId: string, personId: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const repo = createTeamRepository(tx);
    if (!(await repo.findById(teamId))) throw notFound("team", teamId);
    const person = await createPeopleRepository(tx).findById(personId);
    // Memberships are readable by everyone, so a missing one is a plain 404.
    if (!person || !(await repo.findMember(teamId, personId))) throw notFound("team member", personId);
    authorize(ctx.actor, "team.member.remove", { teamId, person: await personFacts(tx, person) });
    const removed = await repo.removeMember(teamId, personId);
    if (!removed) throw notFound("team member", personId);
    await audit(tx, ctx, { entity: "team_member", entityId: `${teamId}/${personId}`, action: "delete", changes: { before: removed } });
  });
}
