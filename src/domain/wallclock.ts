import { IANAZone } from "luxon";
import { DomainError } from "./errors.ts";
import { DAY_MS, MINUTE_MS, type Interval, instantMs } from "./interval.ts";
import { normalizeTimeZone } from "./timezone.ts";

/*
 * Wall-clock time -> UTC instants.
 *
 * A "local ms" value is the wall-clock reading written as if it were UTC:
 * Date.UTC(y, m - 1, d, hh, mm). It is plain arithmetic on the proleptic
 * Gregorian calendar (no zone, no host TZ), so "next day at 09:00" is
 * `local + DAY_MS`. A ZoneClock turns local ms into instants and back.
 *
 * DST rules (SPEC §2), applied by ZoneClock.resolve:
 * - a local time inside a gap (spring forward) resolves to the first valid
 *   instant after the gap: the transition itself (02:30 on a 02:00->03:00
 *   night is 03:00 new time, not luxon's 03:30);
 * - an ambiguous local time (fall back) resolves to the earlier offset
 *   (the first occurrence) when it starts something and to the later offset
 *   (the second occurrence) when it only ends something;
 * - a handoff is both an end and a start and uses the start rule.
 *
 * Why hand-written and not luxon (issue 12): the zone arithmetic and the
 * civil-calendar helpers run in the engine's inner loops, and luxon is far
 * slower there. Measured by bench/wallclock-luxon.ts (one run, 2026-12-01,
 * 2-vCPU AMD EPYC VM, Node 20.20.2; luxon's path is DateTime.fromObject/
 * fromMillis with the rules above made explicit, and gives the same answer
 * for every value):
 *   resolve local->instant, a year hourly: 7.9M/12.0M/11.9M ops/s here vs
 *     20k/33k/32k with luxon (Europe/London, America/New_York, Lord_Howe), ~370x;
 *   instant->local: 5.9M/8.5M/5.7M vs 195k/224k/160k ops/s, ~35x;
 *   the time-engine year (bench/time-engine.ts scenario, 2055 resolves):
 *     8.7 ms median here vs 62.7 ms with luxon behind ZoneClock, 7.2x,
 *     which would break its 20 ms budget;
 *   "YYYY-MM-DD" parse: 5.1M vs 116k ops/s (luxon fromFormat), 44x;
 *   format: 9.4M vs 2.2M ops/s (luxon toISODate), 4x, and luxon writes
 *     years past 9999 as "+010000", so it would not even be a drop-in.
 * luxon stays where it is not in a loop: zone validation (requireZone) and
 * the offset fallback when ICU's offset text is not recognised.
 */

export type Edge = "start" | "end";

// ---------------------------------------------------------------------------
// Civil calendar arithmetic (H. Hinnant's days_from_civil / civil_from_days).

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = (month + 9) % 12;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of daysFromCivil. */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Weekday of an epoch day, 0 = Monday ... 6 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOfDay(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

const pad2 = (n: number) => String(n).padStart(2, "0");

/** "YYYY-MM-DD" of an epoch day. */
export function formatLocalDate(day: number): string {
  const { year, month, day: d } = civilFromDays(day);
  return `${String(year).padStart(4, "0")}-${pad2(month)}-${pad2(d)}`;
}

/** "HH:mm" of minutes since midnight (1440 prints as "24:00"). */
export function formatLocalTime(minutes: number): string {
  return `${pad2(Math.floor(minutes / 60))}:${pad2(minutes % 60)}`;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})$/;

/** Parses "YYYY-MM-DD" (a real calendar date, years 1900-9999) to an epoch day; `invalid_date` otherwise. */
export function parseLocalDate(value: unknown, field: string): number {
  const m = typeof value === "string" ? DATE_RE.exec(value) : null;
  if (m) {
    const year = Number(m[1]);
    const month = Number(m[2]);
    const day = Number(m[3]);
    if (year >= 1900 && month >= 1 && month <= 12 && day >= 1) {
      const days = daysFromCivil(year, month, day);
      if (civilFromDays(days).month === month) return days;
    }
  }
  throw new DomainError("invalid_date", `${field} must be a date as YYYY-MM-DD`, { field });
}

/**
 * Parses "HH:mm" (00:00-23:59) to minutes since midnight; "24:00" (the end
 * of the day) only when `allowEndOfDay`. `invalid_time` otherwise.
 */
export function parseLocalTime(value: unknown, field: string, allowEndOfDay = false): number {
  const m = typeof value === "string" ? TIME_RE.exec(value) : null;
  if (m) {
    const minutes = Number(m[1]) * 60 + Number(m[2]);
    if (Number(m[2]) < 60 && (minutes < 1440 || (allowEndOfDay && minutes === 1440))) return minutes;
  }
  const allowed = allowEndOfDay ? "00:00-24:00" : "00:00-23:59";
  throw new DomainError("invalid_time", `${field} must be a local time HH:mm (${allowed})`, { field });
}

/** Parses "YYYY-MM-DDTHH:mm" to local ms. */
export function parseLocalDateTime(value: unknown, field: string): number {
  const [date, time, extra] = typeof value === "string" ? value.split("T") : [];
  if (extra !== undefined || date === undefined || time === undefined) {
    throw new DomainError("invalid_date", `${field} must be a local date-time YYYY-MM-DDTHH:mm`, { field });
  }
  return parseLocalDate(date, field) * DAY_MS + parseLocalTime(time, field) * MINUTE_MS;
}

/**
 * Zone names already checked, as given → canonical: asking ICU is the dearest
 * step of compiling a rotation (a profile of /v1/oncall over 200 schedules
 * put 15% of the server's time there). A pure function's memo, bounded.
 */
const checkedZones = new Map<string, string>();
const CHECKED_ZONES_MAX = 2000;

/** Canonical IANA zone name; `unknown_time_zone` for anything else (PST, Mars/Base, ""). */
export function requireZone(value: unknown, field: string): string {
  if (typeof value === "string") {
    const known = checkedZones.get(value);
    if (known !== undefined) return known;
  }
  const zone = typeof value === "string" ? normalizeTimeZone(value) : null;
  if (zone === null || !IANAZone.isValidZone(zone)) {
    throw new DomainError("unknown_time_zone", `${field} must be an IANA time zone such as Europe/London`, {
      field,
    });
  }
  if (checkedZones.size >= CHECKED_ZONES_MAX) checkedZones.clear();
  checkedZones.set(value as string, zone);
  return zone;
}

// ---------------------------------------------------------------------------
// ZoneClock

interface OffsetBucket {
  before: number; // offset (ms) from the bucket start up to `transition`
  after: number; // offset (ms) from `transition` to the bucket end
  transition: number; // Infinity when the whole bucket has one offset
  irregular: boolean; // more than one change inside: ask the zone every time
}

const OFFSET_RE = /GMT(?:([+-])(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?)?$/;

/**
 * Offsets and wall-clock conversions for one zone. Holds a memo of offsets
 * per UTC day, so create one per computation (or share one through a
 * TimeContext within a request); it is never module state.
 *
 * The memo assumes a zone changes its offset at most once per UTC day
 * (tzdb 1970-2060: changes are at least a week apart). A day where that is
 * not true is detected and answered by asking the zone per instant.
 */
export class ZoneClock {
  readonly zone: string;
  readonly #luxonZone: IANAZone;
  readonly #format: Intl.DateTimeFormat;
  readonly #buckets = new Map<number, OffsetBucket>();
  readonly #edges = new Map<number, number>();

  /** `zone` must already be validated (see requireZone). */
  constructor(zone: string) {
    this.zone = zone;
    this.#luxonZone = IANAZone.create(zone);
    this.#format = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" });
  }

  /** The zone's UTC offset in ms at an instant, straight from ICU. */
  rawOffset(instant: number): number {
    const m = OFFSET_RE.exec(this.#format.format(instant));
    if (m) {
      if (m[1] === undefined) return 0;
      const ms = (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0)) * 1000;
      return m[1] === "-" ? -ms : ms;
    }
    return Math.round(this.#luxonZone.offset(instant) * MINUTE_MS);
  }

  #edgeOffset(bucket: number): number {
    let offset = this.#edges.get(bucket);
    if (offset === undefined) {
      offset = this.rawOffset(bucket * DAY_MS);
      this.#edges.set(bucket, offset);
    }
    return offset;
  }

  #fill(bucket: number): OffsetBucket {
    const before = this.#edgeOffset(bucket);
    const after = this.#edgeOffset(bucket + 1);
    let entry: OffsetBucket;
    if (before === after) {
      entry = { before, after, transition: Number.POSITIVE_INFINITY, irregular: false };
    } else {
      // Transitions fall on whole seconds: binary search the first second with the new offset.
      let lo = (bucket * DAY_MS) / 1000; // offset `before`
      let hi = ((bucket + 1) * DAY_MS) / 1000; // offset `after`
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.rawOffset(mid * 1000) === before) lo = mid;
        else hi = mid;
      }
      const transition = hi * 1000;
      const clean = this.rawOffset(transition) === after && this.rawOffset(transition - 1000) === before;
      entry = { before, after, transition, irregular: !clean };
    }
    this.#buckets.set(bucket, entry);
    return entry;
  }

  /** UTC offset in ms at an instant (local = instant + offset). */
  offsetAt(instant: number): number {
    const bucket = Math.floor(instant / DAY_MS);
    const entry = this.#buckets.get(bucket) ?? this.#fill(bucket);
    if (entry.irregular) return this.rawOffset(instant);
    return instant < entry.transition ? entry.before : entry.after;
  }

  /** Wall-clock reading (local ms) of an instant. */
  localMs(instant: number): number {
    return instant + this.offsetAt(instant);
  }

  /** Local calendar day (epoch day) of an instant. */
  localDay(instant: number): number {
    return Math.floor(this.localMs(instant) / DAY_MS);
  }

  /**
   * Instant of a wall-clock reading. Gap (spring forward): the transition,
   * i.e. the first valid instant after the gap, for starts and ends alike.
   * Ambiguous (fall back): the earlier offset for a start, the later offset
   * for an end.
   */
  resolve(local: number, edge: Edge): number {
    const early = this.offsetAt(local - DAY_MS);
    const late = this.offsetAt(local + DAY_MS);
    if (early === late) {
      const t = local - early;
      if (this.offsetAt(t) === early) return t;
    }
    const valid: number[] = [];
    for (const offset of new Set([early, late, this.offsetAt(local - early), this.offsetAt(local - late)])) {
      const t = local - offset;
      if (this.offsetAt(t) === offset && !valid.includes(t)) valid.push(t);
    }
    if (valid.length > 0) {
      valid.sort((a, b) => a - b);
      return edge === "start" ? valid[0]! : valid[valid.length - 1]!;
    }
    // In a gap: offsets jump from `early` to `late` at some transition T with
    // T + early <= local < T + late, so T lies in (local - late, local - early].
    let lo = local - late;
    let hi = local - early;
    if (!(lo < hi)) throw new Error(`no instant for local time ${local} in ${this.zone}`);
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (this.offsetAt(mid) === early) lo = mid;
      else hi = mid;
    }
    return hi;
  }

  /** Instant where a local day (epoch day) starts: local midnight, start rule. */
  dayStart(day: number): number {
    return this.resolve(day * DAY_MS, "start");
  }
}

/**
 * Shares one ZoneClock per zone within a computation (a request). Create it
 * in the caller; never keep one at module level.
 */
export class TimeContext {
  readonly #clocks = new Map<string, ZoneClock>();

  /** Clock for an already-validated zone name. */
  clock(zone: string): ZoneClock {
    let clock = this.#clocks.get(zone);
    if (clock === undefined) {
      clock = new ZoneClock(zone);
      this.#clocks.set(zone, clock);
    }
    return clock;
  }
}

// ---------------------------------------------------------------------------
// Public Date API

/** A local date and time in a zone: `{ date: "2026-03-08", time: "02:30", zone: "America/Los_Angeles" }`. */
export interface LocalDateTime {
  date: string;
  time: string;
  zone: string;
}

/**
 * The instant of a local date and time. DST: a time in the spring-forward gap
 * becomes the transition instant; an ambiguous fall-back time takes the
 * earlier offset for `edge: "start"` (default) and the later one for `"end"`.
 * `time` may be "24:00" (midnight ending that date).
 */
export function localToInstant(value: LocalDateTime, edge: Edge = "start", context = new TimeContext()): Date {
  const zone = requireZone(value?.zone, "zone");
  const local = parseLocalDate(value.date, "date") * DAY_MS + parseLocalTime(value.time, "time", true) * MINUTE_MS;
  return new Date(context.clock(zone).resolve(local, edge));
}

/** The local date and time (HH:mm, seconds dropped) of an instant in a zone. */
export function instantToLocal(at: Date, zone: string, context = new TimeContext()): LocalDateTime {
  const canonical = requireZone(zone, "zone");
  const local = context.clock(canonical).localMs(instantMs(at, "at"));
  const day = Math.floor(local / DAY_MS);
  return {
    date: formatLocalDate(day),
    time: formatLocalTime(Math.floor((local - day * DAY_MS) / MINUTE_MS)),
    zone: canonical,
  };
}

/**
 * The real span of a local calendar day: from its first instant to the first
 * instant of the next day (23, 24 or 25 h around DST; 23.5/24.5 h in
 * Lord_Howe). Midnight in a gap starts the day at the transition.
 */
export function localDayBounds(date: string, zone: string, context = new TimeContext()): Interval {
  const clock = context.clock(requireZone(zone, "zone"));
  const day = parseLocalDate(date, "date");
  return { start: new Date(clock.dayStart(day)), end: new Date(clock.dayStart(day + 1)) };
}
