import { and, asc, eq, inArray, ne, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "../client.ts";
import { resultRows } from "../sql.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { calendarRepublish, calendarTargetEvents, calendarTargets, type CalendarTarget, type CalendarTargetEvent } from "../schema/index.ts";

export type NewCalendarTarget = typeof calendarTargets.$inferInsert;
export type CalendarTargetChanges = Partial<Omit<NewCalendarTarget, "id" | "ownerId" | "subjectKind" | "personId" | "teamId" | "scheduleId" | "programId" | "createdAt">>;
/** The sync's bookkeeping on a target (never bumps `version`: that is for what people edit). */
export type SyncState = Partial<Pick<CalendarTarget, "status" | "lastSyncedAt" | "lastAttemptAt" | "lastError" | "failures" | "eventsInSync" | "syncToken" | "lastReconciledAt">>;

/** Who may see a target in a list: everything (admin), or the caller's own, their person's, and their led teams'. */
export type TargetVisibility = { all: true } | { all: false; personId: string; ledTeamIds: readonly string[] };


export function createCalendarTargetRepository(db: Db) {
  return {
    async insert(values: NewCalendarTarget): Promise<CalendarTarget> {
      const [row] = await db.insert(calendarTargets).values(values).returning();
      return row!;
    },

    async findById(id: string): Promise<CalendarTarget | undefined> {
      const [row] = await db.select().from(calendarTargets).where(eq(calendarTargets.id, id));
      return row;
    },

    async list(visibility: TargetVisibility, page: PageRequest) {
      let visible: SQL | undefined;
      if (!visibility.all) {
        const led = visibility.ledTeamIds;
        const options: (SQL | undefined)[] = [eq(calendarTargets.ownerId, visibility.personId), eq(calendarTargets.personId, visibility.personId)];
        if (led.length > 0) {
          options.push(
            inArray(calendarTargets.teamId, [...led]),
            sql`${calendarTargets.scheduleId} IN (SELECT id FROM schedules WHERE team_id IN ${sql`(${sql.join(led.map((t) => sql`${t}`), sql`, `)})`})`,
            sql`${calendarTargets.personId} IN (SELECT person_id FROM team_members WHERE team_id IN ${sql`(${sql.join(led.map((t) => sql`${t}`), sql`, `)})`})`,
          );
        }
        visible = or(...options);
      }
      const found = await db
        .select()
        .from(calendarTargets)
        .where(and(visible, afterCursor(calendarTargets.createdAt, calendarTargets.id, page.cursor)))
        .orderBy(asc(calendarTargets.createdAt), asc(calendarTargets.id))
        .limit(page.limit + 1);
      return toPage(found, page.limit, (r) => [r.createdAt, r.id]);
    },

    async update(id: string, changes: CalendarTargetChanges, now: Date): Promise<CalendarTarget | undefined> {
      const [row] = await db
        .update(calendarTargets)
        .set({ ...changes, updatedAt: now, version: sql`${calendarTargets.version} + 1` })
        .where(eq(calendarTargets.id, id))
        .returning();
      return row;
    },

    /** The sync's state; a target being removed stays `removing` whatever a late sync says. */
    async setSyncState(id: string, state: SyncState): Promise<void> {
      const keepRemoving = state.status !== undefined && state.status !== "removing" ? ne(calendarTargets.status, "removing") : undefined;
      await db.update(calendarTargets).set(state).where(and(eq(calendarTargets.id, id), keepRemoving));
    },

    async delete(id: string): Promise<boolean> {
      const deleted = await db.delete(calendarTargets).where(eq(calendarTargets.id, id)).returning({ id: calendarTargets.id });
      return deleted.length > 0;
    },

    async allIds(): Promise<string[]> {
      const found = await db.select({ id: calendarTargets.id }).from(calendarTargets).orderBy(asc(calendarTargets.id));
      return found.map((r) => r.id);
    },

    // --- what was pushed, per event --------------------------------------------------------------

    async records(targetId: string): Promise<CalendarTargetEvent[]> {
      return db.select().from(calendarTargetEvents).where(eq(calendarTargetEvents.targetId, targetId));
    },

    async saveRecord(record: CalendarTargetEvent): Promise<void> {
      await db
        .insert(calendarTargetEvents)
        .values(record)
        .onConflictDoUpdate({
          target: [calendarTargetEvents.targetId, calendarTargetEvents.eventKey],
          set: { eventId: record.eventId, hash: record.hash, startAt: record.startAt, endAt: record.endAt, pushedAt: record.pushedAt },
        });
    },

    async deleteRecord(targetId: string, eventKey: string): Promise<void> {
      await db.delete(calendarTargetEvents).where(and(eq(calendarTargetEvents.targetId, targetId), eq(calendarTargetEvents.eventKey, eventKey)));
    },

    // --- the outbox -------------------------------------------------------------------------------

    /** Asks for a sync of these targets (through the outbox, so whichever worker runs picks it up). */
    async requestSync(targetIds: string[], reason: string, now: Date): Promise<void> {
      if (targetIds.length === 0) return;
      await db.insert(calendarRepublish).values(targetIds.map((id) => ({ scopeKind: "calendar_target", scopeId: id, reason, requestedAt: now })));
      await db.execute(sql`SELECT pg_notify('rota_calendar', '')`);
    },

    /** The oldest pending outbox rows (changes not yet turned into sync jobs). */
    async pendingChanges(limit: number): Promise<{ id: string; scopeKind: string; scopeId: string }[]> {
      return db
        .select({ id: calendarRepublish.id, scopeKind: calendarRepublish.scopeKind, scopeId: calendarRepublish.scopeId })
        .from(calendarRepublish)
        .orderBy(asc(calendarRepublish.requestedAt), asc(calendarRepublish.id))
        .limit(limit);
    },

    async forgetChanges(ids: string[]): Promise<void> {
      for (let i = 0; i < ids.length; i += 1000) await db.delete(calendarRepublish).where(inArray(calendarRepublish.id, ids.slice(i, i + 1000)));
    },

    /**
     * The targets whose events may have changed with these scopes. Beyond the
     * subject itself: a team's change reaches its members' calendars (the
     * "Also on" line), a person's reaches their teams', schedules' and duty
     * programs' (names, "needs cover"), a schedule's reaches everyone on it,
     * a slot's reaches everyone booked on it. `direct`: the target's own
     * subject changed (its sync goes first).
     */
    async targetsAffectedBy(scopes: { scopeKind: string; scopeId: string }[]): Promise<{ id: string; direct: boolean }[]> {
      if (scopes.length === 0) return [];
      const kinds = scopes.map((s) => s.scopeKind);
      const ids = scopes.map((s) => s.scopeId);
      const result = await db.execute(sql`
        WITH s AS (SELECT DISTINCT kind, id FROM unnest(${sql`ARRAY[${sql.join(kinds.map((k) => sql`${k}`), sql`, `)}]::text[]`}, ${sql`ARRAY[${sql.join(ids.map((i) => sql`${i}`), sql`, `)}]::uuid[]`}) AS u(kind, id)),
        persons AS (
          SELECT id FROM s WHERE kind = 'person'
          UNION SELECT tm.person_id FROM team_members tm JOIN s ON s.kind = 'team' AND tm.team_id = s.id
          UNION SELECT p.person_id FROM schedule_layer_participants p JOIN schedule_layers l ON l.id = p.layer_id JOIN s ON s.kind = 'schedule' AND l.schedule_id = s.id
          UNION SELECT cp.person_id FROM schedule_layer_change_participants cp JOIN schedule_layer_changes c ON c.id = cp.change_id JOIN schedule_layers l ON l.id = c.layer_id JOIN s ON s.kind = 'schedule' AND l.schedule_id = s.id
          UNION SELECT o.person_id FROM schedule_overrides o JOIN s ON s.kind = 'schedule' AND o.schedule_id = s.id
          UNION SELECT b.person_id FROM duty_bookings b JOIN s ON s.kind = 'duty_slot' AND b.slot_id = s.id
        ),
        person_scopes AS (SELECT id FROM s WHERE kind = 'person'),
        team_ids AS (
          SELECT id FROM s WHERE kind = 'team'
          UNION SELECT tm.team_id FROM team_members tm JOIN person_scopes ps ON ps.id = tm.person_id
        ),
        schedule_ids AS (
          SELECT id FROM s WHERE kind = 'schedule'
          UNION SELECT l.schedule_id FROM schedule_layer_participants p JOIN schedule_layers l ON l.id = p.layer_id JOIN person_scopes ps ON ps.id = p.person_id
          UNION SELECT o.schedule_id FROM schedule_overrides o JOIN person_scopes ps ON ps.id = o.person_id
        ),
        program_ids AS (
          SELECT id FROM s WHERE kind = 'duty_program'
          UNION SELECT sl.program_id FROM duty_slots sl JOIN s ON s.kind = 'duty_slot' AND sl.id = s.id
          UNION SELECT DISTINCT b.program_id FROM duty_bookings b JOIN person_scopes ps ON ps.id = b.person_id
        )
        SELECT id, bool_or(direct) AS direct FROM (
          SELECT t.id, true AS direct FROM calendar_targets t JOIN s ON s.kind = 'calendar_target' AND t.id = s.id
          UNION ALL SELECT t.id, true FROM calendar_targets t JOIN s ON s.kind = t.subject_kind::text AND s.id = coalesce(t.person_id, t.team_id, t.schedule_id, t.program_id)
          UNION ALL SELECT t.id, false FROM calendar_targets t JOIN persons p ON t.person_id = p.id
          UNION ALL SELECT t.id, false FROM calendar_targets t JOIN team_ids x ON t.team_id = x.id
          UNION ALL SELECT t.id, false FROM calendar_targets t JOIN schedule_ids x ON t.schedule_id = x.id
          UNION ALL SELECT t.id, false FROM calendar_targets t JOIN program_ids x ON t.program_id = x.id
        ) affected GROUP BY id
      `);
      return resultRows<{ id: string; direct: boolean }>(result).map((r) => ({ id: r.id, direct: r.direct === true }));
    },
  };
}
