import { and, asc, eq, gt, inArray, lt, or, type SQL } from "drizzle-orm";
import { alias, type PgUpdateSetSource } from "drizzle-orm/pg-core";
import type { Db } from "../client.ts";
import { swapLegs, swaps, type Swap, type SwapLeg, type SwapRow } from "../schema/index.ts";

/**
 * A swap's two legs as tables of their own in one query: every swap has an
 * offered leg (inner join), a trade also a requested one (left join).
 * Services filter on `offeredLeg.kind` etc. like on any column.
 */
export const offeredLeg = alias(swapLegs, "offered_leg");
export const requestedLeg = alias(swapLegs, "requested_leg");

type LegValues = Pick<SwapLeg, "kind" | "assignmentId" | "startAt" | "endAt">;

export type NewSwap = typeof swaps.$inferInsert & { offered: LegValues; requested: LegValues | null };

function assembled(row: { swap: SwapRow; offered: SwapLeg; requested: SwapLeg | null }): Swap {
  const { swap, offered, requested } = row;
  return {
    ...swap,
    offeredKind: offered.kind,
    offeredId: offered.assignmentId,
    offeredStart: offered.startAt,
    offeredEnd: offered.endAt,
    requestedKind: requested?.kind ?? null,
    requestedId: requested?.assignmentId ?? null,
    requestedStart: requested?.startAt ?? null,
    requestedEnd: requested?.endAt ?? null,
  };
}

export function createSwapRepository(db: Db) {
  const select = () =>
    db
      .select({ swap: swaps, offered: offeredLeg, requested: requestedLeg })
      .from(swaps)
      .innerJoin(offeredLeg, and(eq(offeredLeg.swapId, swaps.id), eq(offeredLeg.side, "offered")))
      .leftJoin(requestedLeg, and(eq(requestedLeg.swapId, swaps.id), eq(requestedLeg.side, "requested")));

  return {
    async findById(id: string): Promise<Swap | undefined> {
      const [row] = await select().where(eq(swaps.id, id));
      return row ? assembled(row) : undefined;
    },

    /** Locks the swap row (its legs never change after creation). */
    async findByIdForUpdate(id: string): Promise<Swap | undefined> {
      const [row] = await select().where(eq(swaps.id, id)).for("update", { of: swaps });
      return row ? assembled(row) : undefined;
    },

    /** Swaps matching `where` (on swaps, offeredLeg, requestedLeg), oldest first: one page plus one. */
    async list(where: SQL | undefined, limit: number): Promise<Swap[]> {
      const rows = await select().where(where).orderBy(asc(swaps.createdAt), asc(swaps.id)).limit(limit);
      return rows.map(assembled);
    },

    /** The live swap (if any) already offering this assignment (for on-call: this window's start). */
    async liveOfferOf(kind: SwapLeg["kind"], assignmentId: string, start: Date): Promise<string | undefined> {
      const [row] = await db
        .select({ id: swaps.id })
        .from(offeredLeg)
        .innerJoin(swaps, eq(swaps.id, offeredLeg.swapId))
        .where(
          and(
            eq(offeredLeg.side, "offered"),
            eq(offeredLeg.kind, kind),
            eq(offeredLeg.assignmentId, assignmentId),
            eq(offeredLeg.startAt, start),
            inArray(swaps.status, ["pending", "accepted", "approved"]),
          ),
        )
        .limit(1);
      return row?.id;
    },

    /** The swap and its legs (call inside a transaction). */
    async insert(values: NewSwap): Promise<Swap> {
      const { offered, requested, ...row } = values;
      const [swap] = await db.insert(swaps).values(row).returning();
      const legs = [{ side: "offered" as const, ...offered }, ...(requested ? [{ side: "requested" as const, ...requested }] : [])];
      const inserted = await db
        .insert(swapLegs)
        .values(legs.map((leg) => ({ ...leg, swapId: swap!.id })))
        .returning();
      return assembled({ swap: swap!, offered: inserted.find((l) => l.side === "offered")!, requested: inserted.find((l) => l.side === "requested") ?? null });
    },

    /** Updates the swap row (state, counterpart, timestamps); the legs stay. */
    async update(id: string, values: PgUpdateSetSource<typeof swaps>): Promise<Swap> {
      await db.update(swaps).set(values).where(eq(swaps.id, id));
      return (await this.findById(id))!;
    },

    /** Completed swaps that moved assignments to or from a person over [from, to), for their history. */
    async completedOf(personId: string, from: Date, to: Date): Promise<Swap[]> {
      const rows = await select().where(
        and(
          eq(swaps.status, "completed"),
          or(eq(swaps.requesterId, personId), eq(swaps.counterpartId, personId)),
          lt(offeredLeg.startAt, to),
          or(gt(offeredLeg.endAt, from), gt(requestedLeg.endAt, from)),
        ),
      );
      return rows.map(assembled);
    },
  };
}
