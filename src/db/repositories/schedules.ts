import { randomUUID } from "node:crypto";
import { and, asc, eq, getTableColumns, inArray, isNotNull, sql, type AnyColumn } from "drizzle-orm";
import type { Db } from "../client.ts";
import { afterCursor, toPage, type PageRequest } from "../pagination.ts";
import { during, overlaps, resultRows } from "../sql.ts";
import {
  people,
  scheduleLayerChangeParticipants,
  scheduleLayerChanges,
  scheduleLayerParticipants,
  scheduleLayerRestrictions,
  scheduleLayers,
  scheduleOverrides,
  schedules,
  slackWorkspaces,
  type Schedule,
  type ScheduleLayerRow,
  type ScheduleOverride,
} from "../schema/index.ts";

export interface LayerRows {
  layer: ScheduleLayerRow;
  restrictions: { days: string[]; startTime: string; endTime: string }[];
  changes: { effectiveFrom: string; participantIds: string[] }[];
}

export interface NewLayer {
  name: string;
  /** null: a turn with nobody on. */
  participantIds: (string | null)[];
  turnUnit: "hours" | "days" | "weeks";
  turnCount: number;
  handoffTime: string;
  timeZone: string | null;
  startDate: string;
  startAt: Date | null;
  endAt: Date | null;
  restrictions: { days: string[]; startTime: string; endTime: string }[];
  changes: { effectiveFrom: string; participantIds: string[] }[];
}

/**
 * The participants' ids of a layer or participant change, in turn order, as
 * one array column of the parent's own row: a correlated subquery, so
 * reading the layers of a schedule costs no extra round trip per rotation.
 * text[] because both drivers parse it (uuid[] arrives as a string on some).
 */
function participantIdsOf<T = string[]>(table: typeof scheduleLayerParticipants | typeof scheduleLayerChangeParticipants, parentColumn: AnyColumn, parentId: AnyColumn) {
  return sql<T>`coalesce((SELECT array_agg(${table.personId} ORDER BY ${table.position})::text[] FROM ${table} WHERE ${parentColumn} = ${parentId}), '{}'::text[])`;
}

export function createScheduleRepository(db: Db) {
  return {
    async insert(values: typeof schedules.$inferInsert): Promise<Schedule> {
      const [row] = await db.insert(schedules).values(values).returning();
      return row!;
    },

    async findById(id: string): Promise<Schedule | undefined> {
      const [row] = await db.select().from(schedules).where(eq(schedules.id, id));
      return row;
    },

    async findByIdForUpdate(id: string): Promise<Schedule | undefined> {
      const [row] = await db.select().from(schedules).where(eq(schedules.id, id)).for("update");
      return row;
    },

    /** Bumps the version (and applies changes): every change to a schedule's timeline goes through here. */
    async touch(id: string, values: Partial<typeof schedules.$inferInsert>, now: Date): Promise<Schedule> {
      const [row] = await db
        .update(schedules)
        .set({ ...values, updatedAt: now, version: sql`${schedules.version} + 1` })
        .where(eq(schedules.id, id))
        .returning();
      return row!;
    },

    async delete(id: string): Promise<void> {
      await db.delete(schedules).where(eq(schedules.id, id));
    },

    async list(filter: { teamId?: string | undefined }, page: PageRequest) {
      const rows = await db
        .select()
        .from(schedules)
        .where(and(filter.teamId ? eq(schedules.teamId, filter.teamId) : undefined, afterCursor(schedules.createdAt, schedules.id, page.cursor)))
        .orderBy(asc(schedules.createdAt), asc(schedules.id))
        .limit(page.limit + 1);
      return toPage(rows, page.limit, (r) => [r.createdAt, r.id]);
    },

    /** id, name, version and team of every schedule (or of some): the cheap query each on-call lookup starts with. */
    async heads(filter: { ids?: string[]; teamId?: string; name?: string }) {
      return db
        .select({ id: schedules.id, name: schedules.name, version: schedules.version, teamId: schedules.teamId, timeZone: schedules.timeZone })
        .from(schedules)
        .where(
          and(
            filter.ids ? inArray(schedules.id, filter.ids) : undefined,
            filter.teamId ? eq(schedules.teamId, filter.teamId) : undefined,
            filter.name ? sql`lower(${schedules.name}) = lower(${filter.name})` : undefined,
          ),
        )
        .orderBy(asc(schedules.name));
    },

    async layers(scheduleId: string): Promise<LayerRows[]> {
      return (await this.layersOfMany([scheduleId])).get(scheduleId) ?? [];
    },

    /** The layers of many schedules in three queries whatever their number, by schedule id (in layer order). */
    async layersOfMany(scheduleIds: string[]): Promise<Map<string, LayerRows[]>> {
      const bySchedule = new Map<string, LayerRows[]>();
      if (scheduleIds.length === 0) return bySchedule;
      const layers = await db
        .select({ ...getTableColumns(scheduleLayers), participantIds: participantIdsOf<(string | null)[]>(scheduleLayerParticipants, scheduleLayerParticipants.layerId, scheduleLayers.id) })
        .from(scheduleLayers)
        .where(inArray(scheduleLayers.scheduleId, scheduleIds))
        .orderBy(asc(scheduleLayers.scheduleId), asc(scheduleLayers.position));
      if (layers.length === 0) return bySchedule;
      const ids = layers.map((l) => l.id);
      const [restrictions, changes] = await Promise.all([
        db.select().from(scheduleLayerRestrictions).where(inArray(scheduleLayerRestrictions.layerId, ids)).orderBy(asc(scheduleLayerRestrictions.id)),
        db
          .select({
            layerId: scheduleLayerChanges.layerId,
            effectiveFrom: scheduleLayerChanges.effectiveFrom,
            participantIds: participantIdsOf<string[]>(scheduleLayerChangeParticipants, scheduleLayerChangeParticipants.changeId, scheduleLayerChanges.id),
          })
          .from(scheduleLayerChanges)
          .where(inArray(scheduleLayerChanges.layerId, ids))
          .orderBy(asc(scheduleLayerChanges.effectiveFrom)),
      ]);
      const group = <T extends { layerId: string }>(rows: T[]) => {
        const map = new Map<string, T[]>();
        for (const r of rows) map.set(r.layerId, [...(map.get(r.layerId) ?? []), r]);
        return map;
      };
      const restrictionsOf = group(restrictions);
      const changesOf = group(changes);
      for (const layer of layers) {
        const rows: LayerRows = {
          layer,
          restrictions: (restrictionsOf.get(layer.id) ?? []).map(({ days, startTime, endTime }) => ({ days, startTime, endTime })),
          changes: (changesOf.get(layer.id) ?? []).map(({ effectiveFrom, participantIds }) => ({ effectiveFrom, participantIds })),
        };
        bySchedule.set(layer.scheduleId, [...(bySchedule.get(layer.scheduleId) ?? []), rows]);
      }
      return bySchedule;
    },

    /**
     * The schedules that can put any of these people on call in [from, to):
     * they take turns in a layer (or a participant change), or an override
     * puts them on in the window. One query.
     */
    async namingAny(personIds: string[], from: Date, to: Date): Promise<string[]> {
      if (personIds.length === 0) return [];
      const ids = sql.join(personIds.map((id) => sql`${id}::uuid`), sql`, `);
      const rows = await db.execute(sql`
        SELECT l.schedule_id FROM ${scheduleLayerParticipants} p JOIN ${scheduleLayers} l ON l.id = p.layer_id WHERE p.person_id IN (${ids})
        UNION
        SELECT l.schedule_id FROM ${scheduleLayerChangeParticipants} cp JOIN ${scheduleLayerChanges} c ON c.id = cp.change_id JOIN ${scheduleLayers} l ON l.id = c.layer_id WHERE cp.person_id IN (${ids})
        UNION
        SELECT o.schedule_id FROM ${scheduleOverrides} o WHERE o.person_id IN (${ids}) AND tstzrange(o.start_at, o.end_at, '[)') && tstzrange(${from}, ${to}, '[)')`);
      return resultRows<{ schedule_id: string }>(rows).map((r) => r.schedule_id);
    },

    /** Overrides of many schedules overlapping [from, to), in one query. */
    async overridesOfMany(scheduleIds: string[], from: Date, to: Date): Promise<ScheduleOverride[]> {
      if (scheduleIds.length === 0) return [];
      return db
        .select()
        .from(scheduleOverrides)
        .where(and(inArray(scheduleOverrides.scheduleId, scheduleIds), overlaps(during(scheduleOverrides), from, to)))
        .orderBy(asc(scheduleOverrides.startAt), asc(scheduleOverrides.id));
    },

    /** Replaces all layers of a schedule, participants and changes with them (call inside a transaction). */
    async replaceLayers(scheduleId: string, layers: NewLayer[]): Promise<void> {
      // Children go with their layer (ON DELETE CASCADE).
      await db.delete(scheduleLayers).where(eq(scheduleLayers.scheduleId, scheduleId));
      for (const [position, l] of layers.entries()) {
        const [row] = await db
          .insert(scheduleLayers)
          .values({
            scheduleId,
            position,
            name: l.name,
            turnUnit: l.turnUnit,
            turnCount: l.turnCount,
            handoffTime: l.handoffTime,
            timeZone: l.timeZone,
            startDate: l.startDate,
            startAt: l.startAt,
            endAt: l.endAt,
          })
          .returning({ id: scheduleLayers.id });
        const layerId = row!.id;
        if (l.participantIds.length > 0) {
          await db.insert(scheduleLayerParticipants).values(l.participantIds.map((personId, i) => ({ layerId, position: i, personId })));
        }
        if (l.restrictions.length > 0) await db.insert(scheduleLayerRestrictions).values(l.restrictions.map((r) => ({ ...r, layerId })));
        if (l.changes.length > 0) {
          // Ids chosen here so each change's participants can name it without a round trip per change.
          const changes = l.changes.map((c) => ({ id: randomUUID(), layerId, effectiveFrom: c.effectiveFrom, participantIds: c.participantIds }));
          await db.insert(scheduleLayerChanges).values(changes.map(({ id, effectiveFrom }) => ({ id, layerId, effectiveFrom })));
          const participants = changes.flatMap((c) => c.participantIds.map((personId, i) => ({ changeId: c.id, position: i, personId })));
          if (participants.length > 0) await db.insert(scheduleLayerChangeParticipants).values(participants);
        }
      }
    },

    async overridesIn(scheduleId: string, from: Date, to: Date): Promise<ScheduleOverride[]> {
      return db
        .select()
        .from(scheduleOverrides)
        .where(and(eq(scheduleOverrides.scheduleId, scheduleId), overlaps(during(scheduleOverrides), from, to)))
        .orderBy(asc(scheduleOverrides.startAt), asc(scheduleOverrides.id));
    },

    async insertOverride(values: typeof scheduleOverrides.$inferInsert): Promise<ScheduleOverride> {
      const [row] = await db.insert(scheduleOverrides).values(values).returning();
      return row!;
    },

    async findOverride(id: string): Promise<ScheduleOverride | undefined> {
      const [row] = await db.select().from(scheduleOverrides).where(eq(scheduleOverrides.id, id));
      return row;
    },

    async overridesByIds(ids: string[]): Promise<ScheduleOverride[]> {
      if (ids.length === 0) return [];
      return db.select().from(scheduleOverrides).where(inArray(scheduleOverrides.id, ids));
    },

    async deleteOverride(id: string): Promise<void> {
      await db.delete(scheduleOverrides).where(eq(scheduleOverrides.id, id));
    },

    async peopleByIds(ids: string[]) {
      if (ids.length === 0) return [];
      return db
        .select({ id: people.id, name: people.name, email: people.email, timeZone: people.timeZone, chatUserId: people.chatUserId, skills: people.skills, active: people.active })
        .from(people)
        .where(inArray(people.id, ids));
    },

    async workspaceBySlackTeam(slackTeamId: string) {
      const [row] = await db.select().from(slackWorkspaces).where(eq(slackWorkspaces.slackTeamId, slackTeamId));
      return row;
    },

    async insertWorkspace(values: typeof slackWorkspaces.$inferInsert) {
      const [row] = await db.insert(slackWorkspaces).values(values).returning();
      return row!;
    },

    async listWorkspaces() {
      return db.select().from(slackWorkspaces).orderBy(asc(slackWorkspaces.createdAt));
    },

    /** Workspaces whose signing secret is still in clear (written before migration 0010). */
    async workspacesWithClearSecret() {
      return db.select().from(slackWorkspaces).where(isNotNull(slackWorkspaces.signingSecretInClear));
    },

    /** Stores the sealed secret and forgets the clear one, unless another instance already did. */
    async replaceClearSecret(id: string, signingSecretSealed: string) {
      const rows = await db
        .update(slackWorkspaces)
        .set({ signingSecretSealed, signingSecretInClear: null })
        .where(and(eq(slackWorkspaces.id, id), isNotNull(slackWorkspaces.signingSecretInClear)))
        .returning({ id: slackWorkspaces.id });
      return rows.length > 0;
    },
  };
}
