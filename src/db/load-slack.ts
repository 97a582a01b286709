import { asc, desc, eq } from "drizzle-orm";
import type { Db } from "./client.ts";
import { createScheduleRepository } from "./repositories/schedules.ts";
import { dutyBookings, dutyPrograms, people, teams } from "./schema/index.ts";
import { covers, during } from "./sql.ts";

/**
 * What a Slack command needs before it can answer: the schedules and teams it
 * may name (names and zones only), and who is asking (the person whose
 * chat user id is the Slack `user_id`, for their time zone). Read together, in
 * three small queries.
 */
export async function loadSlackDirectory(db: Db, chatUserId: string) {
  const [schedules, teamRows, callers] = await Promise.all([
    createScheduleRepository(db).heads({}),
    db.select({ id: teams.id, name: teams.name, timeZone: teams.timeZone }).from(teams).orderBy(asc(teams.name)),
    chatUserId
      ? db
          .select({ id: people.id, name: people.name, timeZone: people.timeZone })
          .from(people)
          .where(eq(people.chatUserId, chatUserId))
          // The id is not unique in the schema: an active person wins, then the oldest.
          .orderBy(desc(people.active), asc(people.createdAt), asc(people.id))
          .limit(1)
      : Promise.resolve([]),
  ]);
  return { schedules, teams: teamRows, caller: callers[0] ?? null };
}

/** Everyone on duty at `at` across every duty program, with the program's name and zone, ordered by program then person. */
export async function loadOnDutyNow(db: Db, at: Date) {
  const [programs, rows] = await Promise.all([
    db.select({ id: dutyPrograms.id, name: dutyPrograms.name, timeZone: dutyPrograms.timeZone }).from(dutyPrograms).orderBy(asc(dutyPrograms.name), asc(dutyPrograms.id)),
    db
      .select({
        programId: dutyBookings.programId,
        endAt: dutyBookings.endAt,
        person: { id: people.id, name: people.name, chatUserId: people.chatUserId, timeZone: people.timeZone, skills: people.skills },
      })
      .from(dutyBookings)
      .innerJoin(people, eq(people.id, dutyBookings.personId))
      .where(covers(during(dutyBookings), at))
      .orderBy(asc(people.name), asc(people.id)),
  ]);
  return programs.map((program) => ({ program, onDuty: rows.filter((row) => row.programId === program.id) }));
}
