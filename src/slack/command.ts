/**
 * The `/oncall` slash command: what the user asked for, and which schedule or
 * team names come close to a name we do not know.
 */
export type OnCallCommand =
  | { kind: "help" }
  /** `target` is the schedule or team name as typed; null means the default schedule (or every schedule). */
  | { kind: "now"; target: string | null }
  | { kind: "next"; target: string | null }
  /** The next 7 days of hand-offs. */
  | { kind: "week"; target: string | null }
  /** Who is on at a local time, read in the caller's zone (see when.ts). */
  | { kind: "at"; target: string | null; when: WhenSpec; asked: string }
  /** `at` followed by something that is not a time we read: answered with the accepted forms. */
  | { kind: "bad_time"; target: string | null; asked: string }
  /** Who is on chat duty now, optionally only people with `skill` (as typed, trimmed). */
  | { kind: "duty"; skill: string | null };

/**
 * A local time as typed after `at`, not yet tied to a zone. `day` null with a
 * time: the next such time (today if still ahead, else tomorrow). `minutes`
 * null: the start of that day.
 */
export interface WhenSpec {
  day: null | { kind: "today" } | { kind: "tomorrow" } | { kind: "weekday"; weekday: number } | { kind: "date"; date: string };
  /** Minutes since local midnight, 0-1439; null: 00:00. */
  minutes: number | null;
}

const HELP_WORDS = new Set(["help", "?", "-h", "--help"]);
/** Words the grammar owns when typed alone; a schedule named like one is reached with quotes or its full name. */
export const KEYWORDS = new Set(["help", "?", "-h", "--help", "now", "next", "week", "duty"]);

/**
 * Parses the slash command's `text`:
 * "" → now/default, "help" or "?" → help, "next" → next/default,
 * "<name>" → now/<name>, "next <name>" or "<name> next" → next/<name>,
 * "week <name>" or "<name> week" → week/<name>
 * ("now <name>" and "<name> now" are accepted too),
 * "<name> at <time>" (or "at <time>") → at, "duty [skill]" → duty.
 *
 * A name whose first or last word is a keyword, or that holds the word "at",
 * is therefore read as the keyword plus the rest; the caller tries the whole
 * text as a name first (`cleanName(text)`), so such names still work.
 */
export function parseOnCallText(text: string): OnCallCommand {
  const words = unescapeSlack(text).trim().split(/\s+/).filter((word) => word.length > 0);
  if (words.length === 0) return { kind: "now", target: null };
  if (words.length === 1 && HELP_WORDS.has(words[0]!.toLowerCase())) return { kind: "help" };

  const first = words[0]!.toLowerCase();
  if (first === "duty") return { kind: "duty", skill: cleanName(words.slice(1).join(" ")) };

  // The last "at" splits the name from the time: "Eyes at night at 22:00" asks about "Eyes at night".
  const atIndex = words.map((word) => word.toLowerCase()).lastIndexOf("at");
  if (atIndex >= 0) {
    const target = cleanName(words.slice(0, atIndex).join(" "));
    const asked = words.slice(atIndex + 1).join(" ");
    const when = parseWhen(asked);
    return when ? { kind: "at", target, when, asked } : { kind: "bad_time", target, asked };
  }

  const last = words[words.length - 1]!.toLowerCase();
  let kind: "now" | "next" | "week" = "now";
  let nameWords = words;
  if (first === "next" || first === "now" || first === "week") {
    kind = first;
    nameWords = words.slice(1);
  } else if (last === "next" || last === "now" || last === "week") {
    kind = last;
    nameWords = words.slice(0, -1);
  }
  return { kind, target: cleanName(nameWords.join(" ")) };
}

/**
 * "next gen next" reads as next/"gen next"; its other reading, keyword last,
 * is next/"next gen". Returned when the text starts and ends with a keyword
 * (the caller picks the reading whose name exists), else null.
 */
export function keywordLastReading(text: string): OnCallCommand | null {
  const words = unescapeSlack(text).trim().split(/\s+/).filter((word) => word.length > 0);
  if (words.length < 3 || words.some((word) => word.toLowerCase() === "at")) return null;
  const first = words[0]!.toLowerCase();
  const last = words[words.length - 1]!.toLowerCase();
  const keyword = (w: string): w is "now" | "next" | "week" => w === "now" || w === "next" || w === "week";
  if (!keyword(first) || !keyword(last)) return null;
  return { kind: last, target: cleanName(words.slice(0, -1).join(" ")) };
}

/** The whole text as one name (quotes, `#` and Slack's escaping removed), for names that look like commands. */
export function wholeTextAsName(text: string): string | null {
  return cleanName(unescapeSlack(text).trim().split(/\s+/).join(" "));
}

const WEEKDAYS: Record<string, number> = {
  mon: 0, monday: 0,
  tue: 1, tues: 1, tuesday: 1,
  wed: 2, weds: 2, wednesday: 2,
  thu: 3, thur: 3, thurs: 3, thursday: 3,
  fri: 4, friday: 4,
  sat: 5, saturday: 5,
  sun: 6, sunday: 6,
};
const DAY_WORDS: Record<string, { kind: "today" } | { kind: "tomorrow" }> = {
  today: { kind: "today" },
  tomorrow: { kind: "tomorrow" },
  tmrw: { kind: "tomorrow" },
  tmr: { kind: "tomorrow" },
};
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CLOCK_24 = /^(\d{1,2})[:.h](\d{2})$/;
const CLOCK_12 = /^(\d{1,2})(?:[:.](\d{2}))?(am|pm|a\.m\.|p\.m\.)$/;

/**
 * Reads what follows `at`: `HH:MM`, `H:MMpm`/`9am`, `today HH:MM`,
 * `tomorrow HH:MM`, a weekday (`fri 09:00`, `friday`), `YYYY-MM-DD HH:MM`,
 * `YYYY-MM-DDTHH:MM` or `YYYY-MM-DD`; day and time in either order, case and
 * extra spaces ignored. Null when it is none of these or not a real date or
 * time (2026-02-30, 24:00, 13pm). The date's range is checked on resolving.
 */
export function parseWhen(asked: string): WhenSpec | null {
  let text = asked.trim().toLowerCase().replace(/\s+/g, " ");
  // "2026-12-24T18:00", "9 pm", "9:30 am": one token each.
  text = text.replace(/^(\d{4}-\d{2}-\d{2})t(\d)/, "$1 $2").replace(/(\d) (am|pm|a\.m\.|p\.m\.)(?= |$)/g, "$1$2");
  const tokens = text.split(" ").filter((token) => token.length > 0);
  if (tokens.length === 0 || tokens.length > 2) return null;
  let day: WhenSpec["day"] = null;
  let minutes: number | null = null;
  for (const token of tokens) {
    const asDay = dayOf(token);
    const asTime = asDay ? null : minutesOf(token);
    if (asDay && day === null) day = asDay;
    else if (asTime !== null && minutes === null) minutes = asTime;
    else return null;
  }
  return { day, minutes };
}

function dayOf(token: string): WhenSpec["day"] {
  const word = DAY_WORDS[token];
  if (word) return word;
  const weekday = WEEKDAYS[token.replace(/\.$/, "")];
  if (weekday !== undefined) return { kind: "weekday", weekday };
  const iso = ISO_DATE.exec(token);
  if (!iso) return null;
  const [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || day < 1 || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return { kind: "date", date: token };
}

function minutesOf(token: string): number | null {
  if (token === "noon") return 12 * 60;
  if (token === "midnight") return 0;
  const h24 = CLOCK_24.exec(token);
  if (h24) {
    const [hours, mins] = [Number(h24[1]), Number(h24[2])];
    return hours < 24 && mins < 60 ? hours * 60 + mins : null;
  }
  const h12 = CLOCK_12.exec(token);
  if (h12) {
    const [hours, mins] = [Number(h12[1]), Number(h12[2] ?? 0)];
    if (hours < 1 || hours > 12 || mins >= 60) return null;
    const pm = h12[3]!.startsWith("p");
    return ((hours % 12) + (pm ? 12 : 0)) * 60 + mins;
  }
  return null;
}

/** Slack sends `&`, `<`, `>` as entities, and a linked channel as `<#C123|name>`. */
function unescapeSlack(text: string): string {
  return text
    .replace(/<#[A-Z0-9]+\|([^>]*)>/g, "#$1")
    .replace(/<#([A-Z0-9]+)>/g, "#$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

const QUOTE_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ['"', '"'],
  ["'", "'"],
  ["“", "”"],
  ["‘", "’"],
  ["«", "»"],
  ["`", "`"],
];

function cleanName(raw: string): string | null {
  let name = raw.trim();
  for (const [open, close] of QUOTE_PAIRS) {
    if (name.length >= 2 && name.startsWith(open) && name.endsWith(close)) {
      name = name.slice(open.length, -close.length).trim();
      break;
    }
  }
  // Unpaired quotes from a sloppy paste, then the channel-style "#support".
  name = name.replace(/^["'“”‘’«»`]+|["'“”‘’«»`]+$/g, "").trim();
  name = name.replace(/^#+/, "").trim();
  return name.length > 0 ? name : null;
}

/**
 * Names closest to `query`, best first, at most `limit`. Case, accents and
 * extra spaces are ignored. Exact matches come first, then names containing
 * the query (earlier position, then shorter name first), then names the query
 * contains (longest first), then names within a
 * Damerau–Levenshtein (optimal string alignment) distance of
 * max(2, 40% of the query's length), capped at half the query's length for
 * short queries, measured against the whole name or any one of its words.
 */
export function closestNames(query: string, names: readonly string[], limit = 3): string[] {
  const q = normalizeName(query);
  if (q.length === 0 || limit <= 0) return [];
  const qLength = Array.from(q).length;
  // 40% of the length, at least 2, but never half a short query: "sup" must
  // not suggest "SRE".
  const maxDistance = Math.min(Math.max(2, Math.floor(qLength * 0.4)), Math.max(1, Math.floor(qLength / 2)));

  const ranked: Array<{ name: string; tier: number; score: number; normalized: string }> = [];
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) continue;
    seen.add(name);
    const n = normalizeName(name);
    if (n.length === 0) continue;
    if (n === q) {
      ranked.push({ name, tier: 0, score: 0, normalized: n });
      continue;
    }
    const position = n.indexOf(q);
    if (position >= 0) {
      ranked.push({ name, tier: 1, score: position * 1000 + n.length, normalized: n });
      continue;
    }
    // "support team" for a schedule called "Support".
    if (Array.from(n).length >= 3 && q.includes(n)) {
      ranked.push({ name, tier: 2, score: -n.length, normalized: n });
      continue;
    }
    const distance = Math.min(editDistance(q, n), ...n.split(" ").map((word) => editDistance(q, word)));
    if (distance <= maxDistance) ranked.push({ name, tier: 3, score: distance, normalized: n });
  }
  ranked.sort((a, b) => a.tier - b.tier || a.score - b.score || compare(a.normalized, b.normalized) || compare(a.name, b.name));
  return ranked.slice(0, limit).map((entry) => entry.name);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A name as compared: case, accents and extra spaces ignored. */
export function normalizeName(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .trim()
    .replace(/\s+/g, " ");
}

/** Optimal string alignment distance over code points: edits plus adjacent transpositions. */
function editDistance(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, beforePrevious[j - 2]! + 1);
      }
      current.push(best);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[t.length]!;
}
