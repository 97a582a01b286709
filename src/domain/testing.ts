import { IANAZone } from "luxon";
import { DomainError } from "./errors.ts";

/** For tests: runs `fn` and returns the DomainError it throws (anything else fails the test). */
export function domainError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error("expected a DomainError");
}

export interface OffsetChange {
  /** The instant (epoch ms) the zone's offset changes. */
  at: number;
  /** Offsets in ms east of UTC. */
  before: number;
  after: number;
}

/**
 * Test oracle, independent of the code under test: a zone's UTC offset at
 * `from` and every change in [from, to], from luxon (hourly samples, each
 * change located to the second by bisection).
 */
export function luxonOffsetChanges(zone: string, from: number, to: number): { first: number; changes: OffsetChange[] } {
  const z = IANAZone.create(zone);
  const off = (t: number) => Math.round(z.offset(t) * 60_000);
  const changes: OffsetChange[] = [];
  const first = off(from);
  let prev = first;
  for (let t = from + 3_600_000; t <= to; t += 3_600_000) {
    const o = off(t);
    if (o === prev) continue;
    let lo = (t - 3_600_000) / 1000;
    let hi = t / 1000;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (off(mid * 1000) === prev) lo = mid;
      else hi = mid;
    }
    changes.push({ at: hi * 1000, before: prev, after: o });
    prev = o;
  }
  return { first, changes };
}

/** The offset (ms) at an instant, read from luxonOffsetChanges' result. */
export function offsetLookup({ first, changes }: { first: number; changes: readonly OffsetChange[] }): (t: number) => number {
  return (t) => {
    let o = first;
    for (const c of changes) {
      if (c.at <= t) o = c.after;
      else break;
    }
    return o;
  };
}
