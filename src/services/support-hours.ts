import type { Db } from "../db/client.ts";
import { createSupportHoursRepository } from "../db/repositories/support-hours.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import { type HoursRows, hoursFromRows, opensNothing, rowsFromHours } from "../db/weekly-hours-rows.ts";
import type { Team } from "../db/schema/index.ts";
import type { Interval } from "../domain/interval.ts";
import { TimeContext } from "../domain/wallclock.ts";
import { compileWeeklyHours, expandWeeklyHours, type HoursException, type Weekday, type WeeklyHours, type WeeklyWindow } from "../domain/weekly.ts";
import { audit } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { authorize, checkVersion, notFound } from "./policy.ts";
import { requireWindow } from "./windows.ts";

export interface SupportHoursInput {
  allWeek?: boolean | undefined;
  windows?: WeeklyWindow[] | undefined;
  exceptions?: HoursException[] | undefined;
}

export interface SupportHoursView {
  teamId: string;
  timeZone: string;
  /** False when the team has no support hours: shifts are then not checked against them. */
  configured: boolean;
  allWeek: boolean;
  windows: { days: Weekday[]; start: string; end: string }[];
  exceptions: HoursException[];
  version: number;
}

function supportHoursFromRows(team: Team, rows: HoursRows): WeeklyHours | null {
  if (!team.supportAllWeek && opensNothing(rows)) return null;
  return hoursFromRows(team.timeZone, rows, team.supportAllWeek);
}

/** The team's support hours as the time engine reads them, or null when none are configured. */
export async function loadSupportHours(db: Db, team: Team): Promise<WeeklyHours | null> {
  return supportHoursFromRows(team, await createSupportHoursRepository(db).load(team.id));
}

/** loadSupportHours for many teams in two statements, by team id. */
export async function loadSupportHoursOfTeams(db: Db, teams: readonly Team[]): Promise<Map<string, WeeklyHours | null>> {
  const rows = await createSupportHoursRepository(db).loadMany(teams.map((t) => t.id));
  return new Map(teams.map((team) => [team.id, supportHoursFromRows(team, rows.get(team.id)!)]));
}

async function requireTeam(db: Db, teamId: string): Promise<Team> {
  const team = await createTeamRepository(db).findById(teamId);
  if (!team) throw notFound("team", teamId);
  return team;
}

function view(team: Team, hours: WeeklyHours | null): SupportHoursView {
  return {
    teamId: team.id,
    timeZone: team.timeZone,
    configured: hours !== null,
    allWeek: hours?.allWeek ?? false,
    windows: (hours?.windows ?? []).map((w) => ({ days: [...w.days], start: w.start, end: w.end })),
    exceptions: [...(hours?.exceptions ?? [])],
    version: team.version,
  };
}

export async function getSupportHours(ctx: ServiceContext, teamId: string): Promise<SupportHoursView> {
  const team = await requireTeam(ctx.db, teamId);
  return view(team, await loadSupportHours(ctx.db, team));
}

/**
 * Replaces a team's support hours in one transaction. An empty body
 * (no windows, not allWeek, no special hours) clears them. Bumps the team's
 * version, which is the ETag of both the team and its support hours.
 */
export async function putSupportHours(ctx: ServiceContext, teamId: string, input: SupportHoursInput, ifMatch?: readonly number[]) {
  const windows = input.windows ?? [];
  const exceptions = input.exceptions ?? [];
  return ctx.db.transaction(async (tx) => {
    const teams = createTeamRepository(tx);
    const before = await teams.findByIdForUpdate(teamId);
    if (!before) throw notFound("team", teamId);
    authorize(ctx.actor, "team.supportHours.set", { teamId });
    checkVersion("team", before.version, ifMatch);
    const clearing = !input.allWeek && windows.length === 0 && !exceptions.some((e) => !e.closed);
    // The time engine validates windows and exceptions (field names such as windows.0.start).
    if (!clearing) compileWeeklyHours({ zone: before.timeZone, allWeek: input.allWeek ?? false, windows, exceptions }, "");
    const previous = await loadSupportHours(tx, before);
    const rows = rowsFromHours(windows, exceptions);
    await createSupportHoursRepository(tx).replace(teamId, rows.windows, rows.exceptions);
    const team = (await teams.update(teamId, before.version, { supportAllWeek: input.allWeek ?? false }, ctx.now))!;
    const next = await loadSupportHours(tx, team);
    await audit(tx, ctx, { entity: "support_hours", entityId: teamId, action: "replace", changes: { before: previous, after: next } });
    return view(team, next);
  });
}

export async function expandSupportHours(ctx: ServiceContext, teamId: string, from: Date, to: Date): Promise<{ timeZone: string; intervals: Interval[] }> {
  requireWindow("supportHours", from, to);
  const team = await requireTeam(ctx.db, teamId);
  const hours = await loadSupportHours(ctx.db, team);
  return { timeZone: team.timeZone, intervals: hours ? expandWeeklyHours(hours, { from, to }, new TimeContext()) : [] };
}
