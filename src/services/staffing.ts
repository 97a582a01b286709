import { createStaffingRepository } from "../db/repositories/staffing.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import type { StaffingRequirement, Team } from "../db/schema/index.ts";
import { compileWeeklyHours, type Weekday } from "../domain/weekly.ts";
import type { StaffingRequirement as RequirementRule } from "../domain/coverage.ts";
import { audit, diff } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { authorize, checkVersion, notFound } from "./policy.ts";
import { validTimeZone } from "./people.ts";

export interface RequirementInput {
  days: Weekday[];
  start: string;
  end: string;
  timeZone?: string | null | undefined;
  headcount: number;
  label?: string | null | undefined;
  skill?: string | null | undefined;
}

export type RequirementPatch = Partial<RequirementInput>;

/** The requirement as the coverage engine reads it (its own zone, else the team's). */
export function requirementRule(requirement: StaffingRequirement, team: Team): RequirementRule {
  return {
    id: requirement.id,
    hours: {
      zone: requirement.timeZone ?? team.timeZone,
      windows: [{ days: requirement.days as Weekday[], start: requirement.startTime, end: requirement.endTime }],
    },
    headcount: requirement.headcount,
    label: requirement.label,
    skill: requirement.skill,
  };
}

async function requireTeam(ctx: ServiceContext, teamId: string): Promise<Team> {
  const team = await createTeamRepository(ctx.db).findById(teamId);
  if (!team) throw notFound("team", teamId);
  return team;
}

function validated(input: RequirementInput, team: Team) {
  const zone = input.timeZone ? validTimeZone(input.timeZone) : null;
  compileWeeklyHours({ zone: zone ?? team.timeZone, windows: [{ days: input.days, start: input.start, end: input.end }] }, "");
  return {
    days: [...new Set(input.days)],
    startTime: input.start,
    endTime: input.end,
    timeZone: zone,
    headcount: input.headcount,
    label: input.label ?? null,
    skill: input.skill ? input.skill.toLowerCase() : null,
  };
}

export async function listRequirements(ctx: ServiceContext, teamId: string): Promise<StaffingRequirement[]> {
  await requireTeam(ctx, teamId);
  return createStaffingRepository(ctx.db).listForTeam(teamId);
}

export async function createRequirement(ctx: ServiceContext, teamId: string, input: RequirementInput): Promise<StaffingRequirement> {
  const team = await requireTeam(ctx, teamId);
  authorize(ctx.actor, "team.staffing.manage", { teamId });
  const values = validated(input, team);
  return ctx.db.transaction(async (tx) => {
    const requirement = await createStaffingRepository(tx).insert({ ...values, teamId, createdAt: ctx.now, updatedAt: ctx.now });
    await audit(tx, ctx, { entity: "staffing_requirement", entityId: requirement.id, action: "create", changes: { after: requirement } });
    return requirement;
  });
}

export async function updateRequirement(ctx: ServiceContext, teamId: string, id: string, patch: RequirementPatch, ifMatch?: readonly number[]) {
  const team = await requireTeam(ctx, teamId);
  authorize(ctx.actor, "team.staffing.manage", { teamId });
  return ctx.db.transaction(async (tx) => {
    const repo = createStaffingRepository(tx);
    const before = await repo.find(teamId, id);
    if (!before) throw notFound("staffing requirement", id);
    checkVersion("staffing requirement", before.version, ifMatch);
    const merged: RequirementInput = {
      days: patch.days ?? (before.days as Weekday[]),
      start: patch.start ?? before.startTime,
      end: patch.end ?? before.endTime,
      timeZone: patch.timeZone === undefined ? before.timeZone : patch.timeZone,
      headcount: patch.headcount ?? before.headcount,
      label: patch.label === undefined ? before.label : patch.label,
      skill: patch.skill === undefined ? before.skill : patch.skill,
    };
    const after = await repo.update(id, before.version, validated(merged, team), ctx.now);
    if (!after) throw notFound("staffing requirement", id);
    const changes = diff(before, after);
    if (Object.keys(changes).length > 0) await audit(tx, ctx, { entity: "staffing_requirement", entityId: id, action: "update", changes });
    return after;
  });
}

export async function deleteRequirement(ctx: ServiceContext, teamId: string, id: string): Promise<void> {
  await requireTeam(ctx, teamId);
  authorize(ctx.actor, "team.staffing.manage", { teamId });
  await ctx.db.transaction(async (tx) => {
    const repo = createStaffingRepository(tx);
    const before = await repo.find(teamId, id);
    if (!before) throw notFound("staffing requirement", id);
    await repo.delete(id);
    await audit(tx, ctx, { entity: "staffing_requirement", entityId: id, action: "delete", changes: { before } });
  });
}
