import { DateTime } from "luxon";
import type { Db } from "../db/client.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";
import { createShiftRepository } from "../db/repositories/shifts.ts";
import { createStaffingRepository } from "../db/repositories/staffing.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import { createTimeOffRepository } from "../db/repositories/time-off.ts";
import type { Person, Team } from "../db/schema/index.ts";
import { coverageReport, hoursReport, type StaffedShift } from "../domain/coverage.ts";
import { clipIntervals, totalDurationMs } from "../domain/interval.ts";
import { TimeContext, localDayBounds } from "../domain/wallclock.ts";
import type { ServiceContext } from "./context.ts";
import { notFound } from "./policy.ts";
import { requirementRule } from "./staffing.ts";
import { loadSupportHours } from "./support-hours.ts";
import { requireWindow } from "./windows.ts";
import { nameOf, personNames } from "./facts.ts";

async function requireTeam(db: Db, teamId: string): Promise<Team> {
  const team = await createTeamRepository(db).findById(teamId);
  if (!team) throw notFound("team", teamId);
  return team;
}

/** The team's shifts overlapping a window, with their people's skills: one query. */
async function loadStaffedShifts(db: Db, teamId: string, from: Date, to: Date): Promise<StaffedShift[]> {
  const rows = await createShiftRepository(db).overlappingWithSkills({ teamId, from, to });
  return rows.map(({ shift, skills }) => ({
    id: shift.id,
    personId: shift.personId,
    start: shift.startAt,
    end: shift.endAt,
    label: shift.label,
    skills,
  }));
}

/**
 * Where scheduled headcount (net of approved time off) is below each
 * staffing requirement, support hours nobody covers, and chat capacity.
 * Read in one read-only pass; the computation is the pure coverage engine.
 */
export async function teamCoverage(ctx: ServiceContext, teamId: string, from: Date, to: Date) {
  requireWindow("coverage", from, to);
  const team = await requireTeam(ctx.db, teamId);
  const [supportHours, requirements, shifts] = await Promise.all([
    loadSupportHours(ctx.db, team),
    createStaffingRepository(ctx.db).listForTeam(teamId),
    loadStaffedShifts(ctx.db, teamId, from, to),
  ]);
  const absences = await createTimeOffRepository(ctx.db).approvedOverlapping([...new Set(shifts.map((s) => s.personId))], from, to);
  const report = coverageReport(
    {
      window: { from, to },
      supportHours,
      requirements: requirements.map((r) => requirementRule(r, team)),
      shifts,
      absences: absences.map((a) => ({ personId: a.personId, start: a.startAt, end: a.endAt })),
      maxConcurrentChats: team.maxConcurrentChats,
    },
    new TimeContext(),
  );
  const byId = new Map(requirements.map((r) => [r.id, r]));
  return {
    teamId,
    timeZone: team.timeZone,
    from,
    to,
    maxConcurrentChats: team.maxConcurrentChats,
    shortfalls: report.shortfalls.map((s) => {
      const r = byId.get(s.requirementId)!;
      return { ...s, label: r.label, skill: r.skill };
    }),
    unstaffed: report.unstaffed,
    capacity: report.capacity,
  };
}

/** [Monday 00:00, next Monday 00:00) in the zone, around an instant (DST-correct day starts). */
function localWeek(at: Date, zone: string, context: TimeContext): { from: Date; to: Date } {
  const monday = DateTime.fromJSDate(at, { zone }).startOf("week");
  const start = localDayBounds(monday.toISODate()!, zone, context).start;
  const end = localDayBounds(monday.plus({ weeks: 1 }).toISODate()!, zone, context).start;
  return { from: start, to: end };
}

/**
 * Who could fill [start, end): active members (with the skill, if asked)
 * with no shift or other commitment then and no approved time off, fewest
 * hours already scheduled that week (team time) first.
 */
export async function coverageCandidates(ctx: ServiceContext, teamId: string, start: Date, end: Date, skill?: string) {
  requireWindow("candidates", start, end, { from: "start", to: "end" });
  const team = await requireTeam(ctx.db, teamId);
  const people: Person[] = await createPeopleRepository(ctx.db).matching({ teamId, active: true, skill: skill?.toLowerCase() });
  const ids = people.map((p) => p.id);
  const [busy, away] = await Promise.all([
    createShiftRepository(ctx.db).busyPeople(ids, start, end),
    createTimeOffRepository(ctx.db).approvedOverlapping(ids, start, end),
  ]);
  const awayIds = new Set(away.map((a) => a.personId));
  const free = people.filter((p) => !busy.has(p.id) && !awayIds.has(p.id));
  const context = new TimeContext();
  const week = localWeek(start, team.timeZone, context);
  const weekShifts = await loadStaffedShifts(ctx.db, teamId, week.from, week.to);
  const candidates = free.map((person) => {
    const mine = weekShifts.filter((s) => s.personId === person.id);
    const minutes = totalDurationMs(clipIntervals(mine, week)) / 60_000;
    return { person, weekScheduledMinutes: minutes };
  });
  candidates.sort((a, b) => a.weekScheduledMinutes - b.weekScheduledMinutes || a.person.name.localeCompare(b.person.name));
  return { teamId, start, end, week, candidates };
}

/** Per person: scheduled hours in [from, to), weekday/weekend by team-local day, and outside support hours. */
export async function teamHours(ctx: ServiceContext, teamId: string, from: Date, to: Date) {
  requireWindow("hours", from, to);
  const team = await requireTeam(ctx.db, teamId);
  const [supportHours, shifts] = await Promise.all([loadSupportHours(ctx.db, team), loadStaffedShifts(ctx.db, teamId, from, to)]);
  const rows = hoursReport({ window: { from, to }, zone: team.timeZone, supportHours, shifts }, new TimeContext());
  const names = await personNames(ctx.db, rows.map((r) => r.personId));
  return { teamId, timeZone: team.timeZone, from, to, people: rows.map(({ personId, ...r }) => ({ personId, person: nameOf(names, personId), ...r })) };
}
