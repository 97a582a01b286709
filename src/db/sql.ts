import { and, eq, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./client.ts";
import { during } from "./schema/_columns.ts";

/*
 * Overlap reads. A row's [start, end) is `during(table)`, i.e.
 * `tstzrange(start_at, end_at, '[)')`, the expression the GiST range indexes
 * (`*_during_idx`, owner column first through btree_gist) are built on. The
 * planner uses an expression index only for the same expression, so the
 * schema's indexes and every overlap condition take it from one place;
 * `start < to AND end > from` would only reach a btree on (owner, start) and
 * read all history before `to`. tests/range-indexes.test.ts EXPLAINs the
 * repositories' queries against the indexes.
 */
export { during };

const instant = (at: Date | undefined) => (at ? sql`${at.toISOString()}::timestamptz` : sql`NULL::timestamptz`);

/**
 * `range && [from, to)`: the rows overlapping the window (touching is not
 * overlapping). An absent bound is open; with neither there is no condition.
 * A window with `to` at or before `from` holds no instant, so nothing
 * overlaps it (PostgreSQL would refuse to build the reversed range).
 * `range` is `during(table)` or a tstzrange column (commitments.during).
 */
export function overlaps(range: SQL | PgColumn, from: Date, to: Date): SQL;
export function overlaps(range: SQL | PgColumn, from: Date | undefined, to: Date | undefined): SQL | undefined;
export function overlaps(range: SQL | PgColumn, from: Date | undefined, to: Date | undefined): SQL | undefined {
  if (!from && !to) return undefined;
  if (from && to && to.getTime() <= from.getTime()) return sql`false`;
  return sql`${range} && tstzrange(${instant(from)}, ${instant(to)}, '[)')`;
}

/** `range @> at`: the rows whose [start, end) contains the instant. */
export function covers(range: SQL | PgColumn, at: Date): SQL {
  return sql`${range} @> ${instant(at)}`;
}

/** `%text%` for ILIKE with the user's % and _ taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Rows per statement of a batch write: 1,000 rows × ~15 columns stays well under PostgreSQL's 65,535 parameters. */
export const BATCH_CHUNK = 1000;

/** `items` in slices of `size`, for batch statements. */
export function chunks<T>(items: readonly T[], size = BATCH_CHUNK): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < items.length; i += size) result.push(items.slice(i, i + size));
  return result;
}

type VersionedTable = PgTable & { id: PgColumn; version: PgColumn; updatedAt: PgColumn };

/**
 * UPDATE … SET …, version = version + 1 WHERE id = ? AND version = ?:
 * the optimistic-concurrency write behind ETag/If-Match. Returns undefined
 * when the row is gone or was changed by someone else meanwhile.
 */
export async function updateVersioned<T extends VersionedTable>(
  db: Db,
  table: T,
  id: string,
  version: number,
  values: Record<string, unknown>,
  now: Date,
): Promise<T["$inferSelect"] | undefined> {
  const condition: SQL | undefined = and(eq(table.id, id), eq(table.version, version));
  const rows = (await db
    .update(table)
    .set({ ...values, updatedAt: now, version: sql`${table.version} + 1` } as never)
    .where(condition)
    .returning()) as T["$inferSelect"][];
  return rows[0];
}

/** The rows of a raw `db.execute` result: node-postgres wraps them in `{ rows }`, PGlite's adapter too, some drivers give the array. */
export function resultRows<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? (result as T[])) as T[];
}
