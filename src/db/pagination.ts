import { sql, type AnyColumn, type SQL } from "drizzle-orm";
import { DomainError } from "../domain/errors.ts";
import { isSupportedInstant } from "../domain/supported-range.ts";

export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

export interface PageOf<T> {
  items: T[];
  nextCursor: string | null;
}

/** Keyset position: an instant and an id, the order every list uses (ascending or descending). */
type Position = [at: Date, id: string];

export function encodeCursor([at, id]: Position): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString("base64url");
}

export function decodeCursor(cursor: string): Position {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string") {
      const at = new Date(value[0]);
      // Only positions a row can have: PostgreSQL refuses far instants (year 275760) and malformed uuids with a 500.
      if (isSupportedInstant(at.getTime()) && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value[1])) return [at, value[1]];
    }
  } catch {
    // fall through
  }
  throw new DomainError("invalid_cursor", "cursor is not one this API returned; start again without it", { field: "cursor" });
}

/** Rows strictly after the cursor in (at, id) order. */
export function afterCursor(atColumn: AnyColumn, idColumn: AnyColumn, cursor: string | undefined, direction: "asc" | "desc" = "asc"): SQL | undefined {
  if (!cursor) return undefined;
  const [at, id] = decodeCursor(cursor);
  return direction === "asc"
    ? sql`(${atColumn}, ${idColumn}) > (${at.toISOString()}::timestamptz, ${id}::uuid)`
    : sql`(${atColumn}, ${idColumn}) < (${at.toISOString()}::timestamptz, ${id}::uuid)`;
}

/** Callers fetch `limit + 1` rows; the extra one only tells whether there is a next page. */
export function toPage<T>(rows: T[], limit: number, positionOf: (row: T) => Position): PageOf<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(positionOf(last)) : null };
}
