import { IANAZone } from "luxon";

const canonicalByLowerCase = new Map(
  Intl.supportedValuesOf("timeZone").map((zone) => [zone.toLowerCase(), zone]),
);

/** `asia/kolkata` → `Asia/Kolkata`: IANA names capitalise each word. */
function titleCase(name: string): string {
  return name.replace(/(^|[/_-])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/**
 * Returns the IANA zone name in its usual spelling, or null when `input` is
 * not an IANA `Area/Location` name (or `UTC`). ICU also accepts
 * abbreviations such as `PST` or `EST` and silently maps them to some city;
 * people mean different things by those, so they are rejected.
 *
 * The name is kept, only its case fixed: ICU's list still calls Kolkata
 * `Asia/Calcutta`, and renaming someone's zone would surprise them.
 */
export function normalizeTimeZone(input: string): string | null {
  const trimmed = input.trim();
  if (/^(etc\/)?utc$/i.test(trimmed)) return "UTC";
  if (!trimmed.includes("/") || !IANAZone.isValidZone(trimmed)) return null;
  const listed = canonicalByLowerCase.get(trimmed.toLowerCase());
  if (listed) return listed;
  if (trimmed !== trimmed.toLowerCase()) return trimmed;
  const titled = titleCase(trimmed);
  return IANAZone.isValidZone(titled) ? titled : trimmed;
}
