import { sql, type SQL } from "drizzle-orm";
import { customType, integer, timestamp, uuid, type PgColumn } from "drizzle-orm/pg-core";

/**
 * Instants are `timestamptz` with millisecond precision: exactly what a JS
 * `Date` and the API's ISO strings carry, so a value read back compares equal
 * to the one written (keyset cursors rely on that).
 */
export const instant = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: "date" });

export const id = () => uuid("id").primaryKey().defaultRandom();
export const createdAt = () => instant("created_at").notNull().defaultNow();
export const updatedAt = () => instant("updated_at").notNull().defaultNow();
/** Bumped on every update; the source of ETags and of cache invalidation. */
export const version = () => integer("version").notNull().default(1);

/** A half-open `[start, end)` range of instants, as PostgreSQL's tstzrange text. */
export const tstzrange = customType<{ data: string; driverData: string }>({
  dataType: () => "tstzrange",
});

/**
 * A row's half-open [start, end) as a tstzrange: the expression of the GiST
 * `*_during_idx` indexes, which overlap reads (src/db/sql.ts) must repeat exactly.
 */
export function during(row: { startAt: PgColumn; endAt: PgColumn }): SQL {
  return sql`tstzrange(${row.startAt}, ${row.endAt}, '[)')`;
}
