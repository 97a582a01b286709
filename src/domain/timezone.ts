import { IANAZone } from "luxon";

const canonicalByLowerCase = new Map(
  Intl.supportedValuesOf("timeZone").map((zone) => [zone.toLowerCase(), zone]),
);

/**
 * Returns the IANA zone name in its canonical spelling, or null when `input`
 * is not an IANA `Area/Location` name (or `UTC`). ICU also accepts
 * abbreviations such as `PST` or `EST` and silently maps them to some city;
 * people mean different things by those, so they are rejected.
 */
export function normalizeTimeZone(input: string): string | null {
  const trimmed = input.trim();
  if (trimmed === "UTC" || trimmed === "Etc/UTC") return "UTC";
  if (!trimmed.includes("/")) return null;
  if (!IANAZone.isValidZone(trimmed)) return null;
  return canonicalByLowerCase.get(trimmed.toLowerCase()) ?? trimmed;
}
