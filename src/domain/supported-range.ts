/**
 * The one range of dates Rota accepts anywhere (instants, local dates,
 * months): 1970-01-01 through 2199-12-31.
 *
 * Why these bounds: the IANA zone database only promises correct offsets
 * from 1970 on, so an earlier wall-clock time has no reliable instant; and
 * nobody rosters past 2199, while a fixed end keeps every computed window
 * (35 days of on-call look-ahead, a month of slots, a year of recurrences)
 * far inside what Date, luxon, rrule (year 9999) and PostgreSQL handle.
 */
export const FIRST_SUPPORTED_YEAR = 1970;
export const LAST_SUPPORTED_YEAR = 2199;
/** First supported instant (inclusive). */
export const SUPPORTED_START_MS = Date.UTC(FIRST_SUPPORTED_YEAR, 0, 1);
/** End of the supported range (exclusive): 2200-01-01T00:00:00Z. */
export const SUPPORTED_END_MS = Date.UTC(LAST_SUPPORTED_YEAR + 1, 0, 1);

export function isSupportedYear(year: number): boolean {
  return Number.isInteger(year) && year >= FIRST_SUPPORTED_YEAR && year <= LAST_SUPPORTED_YEAR;
}

export function isSupportedInstant(ms: number): boolean {
  return Number.isFinite(ms) && ms >= SUPPORTED_START_MS && ms < SUPPORTED_END_MS;
}

/** "1970-01-01T00:00:00Z to 2199-12-31T23:59:59Z", for messages and documentation. */
export const SUPPORTED_RANGE_TEXT = `${FIRST_SUPPORTED_YEAR}-01-01T00:00:00Z to ${LAST_SUPPORTED_YEAR}-12-31T23:59:59Z`;
