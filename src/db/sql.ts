import { and, eq, sql, type SQL } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Db } from "./client.ts";

/** `%text%` for ILIKE with the user's % and _ taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
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
