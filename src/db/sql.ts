import { and, eq, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./client.ts";

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
