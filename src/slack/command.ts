/**
 * The `/oncall` slash command: what the user asked for, and which schedule or
 * team names come close to a name we do not know.
 */
export type OnCallCommand =
  | { kind: "help" }
  /** `target` is the schedule or team name as typed; null means the default schedule. */
  | { kind: "now"; target: string | null }
  | { kind: "next"; target: string | null };

const HELP_WORDS = new Set(["help", "?", "-h", "--help"]);

/**
 * Parses the slash command's `text`:
 * "" → now/default, "help" or "?" → help, "next" → next/default,
 * "<name>" → now/<name>, "next <name>" or "<name> next" → next/<name>
 * ("now <name>" and "<name> now" are accepted too).
 *
 * A name whose first or last word is "next" or "now" is therefore read as the
 * keyword plus the rest; the caller may retry the whole text as a name when
 * that rest is unknown.
 */
export function parseOnCallText(text: string): OnCallCommand {
  const words = unescapeSlack(text).trim().split(/\s+/).filter((word) => word.length > 0);
  if (words.length === 0) return { kind: "now", target: null };
  if (words.length === 1 && HELP_WORDS.has(words[0]!.toLowerCase())) return { kind: "help" };

  const first = words[0]!.toLowerCase();
  const last = words[words.length - 1]!.toLowerCase();
  let kind: "now" | "next" = "now";
  let nameWords = words;
  if (first === "next" || first === "now") {
    kind = first;
    nameWords = words.slice(1);
  } else if (last === "next" || last === "now") {
    kind = last;
    nameWords = words.slice(0, -1);
  }
  return { kind, target: cleanName(nameWords.join(" ")) };
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
  const q = normalize(query);
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
    const n = normalize(name);
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

function normalize(name: string): string {
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
