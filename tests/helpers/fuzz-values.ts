import fc from "fast-check";
import type { JsonSchema } from "./fuzz-operations.ts";
import type { Kind, World } from "./fuzz-world.ts";

/** JSON text written as is: numbers JSON.stringify cannot produce (1e309, -0, 2^53+1), NaN, deep nesting. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Bytes written as is inside a JSON string (or percent-encoded in a URL): invalid UTF-8, a raw NUL. */
export class RawBytes {
  constructor(readonly bytes: number[]) {}
}

/** A URL part written without percent-encoding: `%00`, `%2F`, `%zz`. */
export class RawUrl {
  constructor(readonly text: string) {}
}

/** JSON with the markers above, as the bytes a hostile client would send. */
export function encodeJson(value: unknown): Buffer {
  const parts: Buffer[] = [];
  const write = (v: unknown): void => {
    if (v instanceof RawJson || v instanceof RawUrl) parts.push(Buffer.from(v.text));
    else if (v instanceof RawBytes) parts.push(Buffer.from('"'), Buffer.from(v.bytes), Buffer.from('"'));
    else if (Array.isArray(v)) {
      parts.push(Buffer.from("["));
      v.forEach((item, i) => {
        if (i > 0) parts.push(Buffer.from(","));
        write(item);
      });
      parts.push(Buffer.from("]"));
    } else if (v !== null && typeof v === "object") {
      parts.push(Buffer.from("{"));
      Object.entries(v).forEach(([k, item], i) => {
        parts.push(Buffer.from(`${i > 0 ? "," : ""}${JSON.stringify(k)}:`));
        write(item);
      });
      parts.push(Buffer.from("}"));
    } else parts.push(Buffer.from(JSON.stringify(v) ?? "null"));
  };
  write(value);
  return Buffer.concat(parts);
}

const LONE_SURROGATE = /([\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff])/;

/** encodeURIComponent, except a lone surrogate (which it refuses) goes out as its WTF-8 bytes. */
function percentEncode(text: string): string {
  return text
    .split(LONE_SURROGATE)
    .map((piece, i) => (i % 2 === 1 ? [0xe0 | (piece.charCodeAt(0) >> 12), 0x80 | ((piece.charCodeAt(0) >> 6) & 0x3f), 0x80 | (piece.charCodeAt(0) & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("") : encodeURIComponent(piece)))
    .join("");
}

/** A query or path value: strings percent-encoded, raw markers as given. */
export function encodeUrlValue(value: unknown): string {
  if (value instanceof RawUrl) return value.text;
  if (value instanceof RawBytes) return value.bytes.map((b) => `%${b.toString(16).padStart(2, "0").toUpperCase()}`).join("");
  if (value instanceof RawJson) return percentEncode(value.text);
  if (typeof value === "string") return percentEncode(value);
  return percentEncode(JSON.stringify(value) ?? "undefined");
}

// ---------------------------------------------------------------- hostile values

const deep = (depth: number, open: string, close: string) => new RawJson(open.repeat(depth) + close.repeat(depth));

const hugeStrings = [201, 2_001, 10_001, 60_000].map((n) => "x".repeat(n));

const badStrings: unknown[] = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u0000".repeat(50),
  "\ud800",
  "\udfff\ud800",
  "\uffff\ufffe",
  "\u202eevil",
  "💥".repeat(100),
  "\r\n\t",
  "%00",
  "../../etc/passwd",
  "' OR 1=1 --",
  "'); DROP TABLE people; --",
  "<script>alert(1)</script>",
  "${jndi:ldap://x}",
  "{{7*7}}",
  "null",
  "undefined",
  "__proto__",
  "constructor",
  new RawBytes([0xff]),
  new RawBytes([0xc0, 0x80]),
  new RawBytes([0xed, 0xa0, 0x80]),
  new RawBytes([0xe2, 0x82]),
  new RawBytes([0xf8, 0x88, 0x80, 0x80, 0x80]),
  new RawBytes([0x61, 0x00, 0x62]),
  ...hugeStrings,
];

const badNumbers: unknown[] = [
  -1,
  0,
  -0,
  new RawJson("-0"),
  1.5,
  -2_147_483_649,
  2_147_483_648,
  new RawJson("9007199254740993"),
  new RawJson("-9007199254740993"),
  new RawJson("1e308"),
  new RawJson("-1e308"),
  new RawJson("1e309"),
  new RawJson("1e-400"),
  new RawJson("NaN"),
  new RawJson("Infinity"),
  "NaN",
  "Infinity",
  "-0",
  "1e308",
  "0x10",
  "１２",
  new RawJson("1" + "0".repeat(400)),
];

const wrongTypes: unknown[] = [null, true, false, 0, 1, "", "x", "true", [], {}, ["x"], [null], { a: 1 }, [[[]]]];

const badInstants: unknown[] = [
  "2026-12-31T23:59:60Z",
  "2026-12-31T23:59:60.999Z",
  "2026-06-30T23:59:60+00:00",
  "0001-01-01T00:00:00Z",
  "0000-01-01T00:00:00Z",
  "9999-12-31T23:59:59Z",
  "9999-12-31T23:59:59.999Z",
  "275760-09-13T00:00:00Z",
  "+275760-09-13T00:00:00.000Z",
  "+275760-09-13T00:00:00.001Z",
  "275761-01-01T00:00:00Z",
  "-000001-01-01T00:00:00Z",
  "-271821-04-20T00:00:00Z",
  "1969-12-31T23:59:59.999Z",
  "2026-02-30T00:00:00Z",
  "2026-13-01T00:00:00Z",
  "2026-12-01T24:00:00Z",
  "2026-12-01T23:60:00Z",
  "2026-12-01T00:00:00+14:00",
  "2026-12-01T00:00:00-12:00",
  "2026-12-01T00:00:00+25:00",
  "2026-12-01T00:00:00",
  "2026-12-01",
  "2026-12-01T00:00:00.123456789Z",
  "2026-12-01t00:00:00z",
  "2026-W49-1",
  "20261201T000000Z",
  "1764547200",
  "now",
  "Tue, 01 Dec 2026 00:00:00 GMT",
];

const badDates: unknown[] = ["2026-02-29", "2028-02-30", "0000-01-01", "0001-01-01", "9999-12-31", "275760-09-13", "2026-1-1", "2026-12-31T23:59:60Z", "12/01/2026", "2026-00-10"];

const badUuids = (world: World): unknown[] => [
  "",
  "not-a-uuid",
  "00000000-0000-0000-0000-000000000000",
  "ffffffff-ffff-ffff-ffff-ffffffffffff",
  "-".repeat(36),
  "g".repeat(36),
  world.ids.team[0]!.toUpperCase(),
  `{${world.ids.team[0]}}`,
  `urn:uuid:${world.ids.person[0]}`,
  world.ids.person[0]!.replaceAll("-", ""),
  `${world.ids.person[0]} `,
  `${world.ids.person[0]}\u0000`,
  `${world.ids.person[0]}'--`,
];

const badZones: unknown[] = [
  "Mars/Olympus_Mons",
  "PST",
  "EST5EDT",
  "UTC+25",
  "Etc/GMT+15",
  "Etc/GMT-14",
  "+05:30",
  "Z",
  "utc",
  "local",
  "system",
  "Europe/London\u0000",
  "America/Argentina/ComodRivadavia",
  "Australia/Lord_Howe",
  "../../../../etc/localtime",
  "Europe//London",
];

const badRrules: unknown[] = [
  "FREQ=SECONDLY",
  "FREQ=MINUTELY",
  "FREQ=HOURLY",
  "FREQ=HOURLY;INTERVAL=1;BYMINUTE=0,15,30,45",
  "FREQ=DAILY;COUNT=0",
  "FREQ=DAILY;COUNT=99999999",
  "FREQ=DAILY;INTERVAL=0",
  "FREQ=DAILY;INTERVAL=-1",
  "FREQ=WEEKLY;INTERVAL=9007199254740993",
  "FREQ=WEEKLY;BYDAY=XX",
  "FREQ=WEEKLY;BYDAY=",
  "FREQ=YEARLY;BYMONTH=13",
  "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2",
  "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
  "FREQ=DAILY;UNTIL=99991231",
  "FREQ=DAILY;UNTIL=00010101",
  "FREQ=DAILY;UNTIL=20261231T235960Z",
  "RRULE:FREQ=DAILY",
  "DTSTART:20260101T000000Z\nRRULE:FREQ=DAILY",
  "FREQ=DAILY;;;;",
  "FREQ=DAILY;BYSETPOS=400",
  "FREQ=DAILY;BYHOUR=25",
  "FREQ=DAILY;WKST=ZZ",
  "FREQ=MONTHLY;BYDAY=53MO",
  "FREQ=YEARLY;BYWEEKNO=54",
  "FREQ=DAILY;COUNT=5;UNTIL=20270101",
  "freq=weekly;byday=mo",
  "FREQ=WEEKLY\u0000",
];

const badCursors: unknown[] = [
  "",
  "!!!",
  "a".repeat(512),
  "null",
  ...[
    ["9999-12-31T23:59:59Z", "-".repeat(36)],
    ["+275760-09-13T00:00:00.000Z", "00000000-0000-4000-8000-000000000000"],
    ["-271821-04-20T00:00:00.000Z", "00000000-0000-4000-8000-000000000000"],
    ["2026-12-31T23:59:60Z", "00000000-0000-4000-8000-000000000000"],
    ["0001-01-01T00:00:00Z", "ffffffff-ffff-ffff-ffff-ffffffffffff"],
    ["2026-12-01T00:00:00Z", "gggggggg-gggg-gggg-gggg-gggggggggggg"],
    ["2026-12-01T00:00:00Z", "00000000-0000-4000-8000-00000000000\u0000"],
    [1, 2],
    [],
    {},
    "x",
  ].map((v) => Buffer.from(JSON.stringify(v)).toString("base64url")),
  Buffer.from([0xff, 0xfe, 0x00]).toString("base64url"),
];

const badMonths: unknown[] = ["0000-01", "0001-01", "9999-12", "2026-13", "2026-00", "275760-09", "99999-01", "2026-1", "2026-12-01"];
const badLocalTimes: unknown[] = ["24:00", "24:01", "23:60", "-1:00", "9:00", "09:00:00", "00:00", "25:00", "0900"];
const badLocalDateTimes: unknown[] = ["0000-01-01T00:00", "9999-12-31T23:59", "2026-02-30T09:00", "2026-03-29T02:30", "2026-12-31T24:00", "275760-09-13T00:00", "2026-12-01T09:00Z"];

/** Values that break a field of this schema: its own kind of wrong (bad instants for instants…) and every generic kind. */
export function hostileValue(schema: JsonSchema, field: string, world: World): fc.Arbitrary<unknown> {
  const s = concrete(schema);
  const specific: unknown[] = [];
  if (s.format === "date-time") specific.push(...badInstants);
  if (s.format === "date") specific.push(...badDates);
  if (s.format === "uuid") specific.push(...badUuids(world));
  if (/zone/i.test(field)) specific.push(...badZones);
  if (/rrule/i.test(field)) specific.push(...badRrules);
  if (field === "cursor") specific.push(...badCursors);
  if (isMonth(s)) specific.push(...badMonths);
  else if (isLocalDateTime(s)) specific.push(...badLocalDateTimes);
  else if (typeof s.pattern === "string" && s.pattern.includes("[0-5][0-9]")) specific.push(...badLocalTimes);
  if (s.type === "integer" || s.type === "number") specific.push(...badNumbers);
  const structural: fc.Arbitrary<unknown>[] = [
    // Far past any parser limit, and just either side of a depth cap of 64.
    fc.constantFrom(deep(10_000, "[", "]"), deep(20_000, "[", "]"), new RawJson(`${'{"a":'.repeat(5_000)}1${"}".repeat(5_000)}`), deep(62, "[", "]"), deep(63, "[", "]"), deep(64, "[", "]")),
    fc.array(fc.constantFrom(...wrongTypes), { minLength: 0, maxLength: 3 }),
    fc.constant(Array.from({ length: 5_000 }, () => "x")),
  ];
  return fc.oneof(
    { weight: specific.length > 0 ? 6 : 0, arbitrary: specific.length > 0 ? fc.constantFrom(...specific) : fc.constant(null) },
    { weight: 3, arbitrary: fc.constantFrom(...wrongTypes) },
    { weight: 3, arbitrary: fc.constantFrom(...badStrings) },
    { weight: 2, arbitrary: fc.constantFrom(...badNumbers) },
    { weight: 1, arbitrary: fc.oneof(...structural) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 30 }) },
  );
}

/**
 * Values the schema accepts that the services still have to get right: the
 * ends of the supported range, DST gaps and overlaps, ids of the wrong kind,
 * exact length and number limits.
 */
export function edgeValue(schema: JsonSchema, field: string, world: World): fc.Arbitrary<unknown> {
  const s = concrete(schema);
  const anyId = Object.values(world.ids).flat();
  if (s.format === "date-time") {
    return fc.constantFrom(
      "1970-01-01T00:00:00Z", "2199-12-31T23:59:59Z", "2199-12-31T23:59:59.999Z", "2020-02-29T12:00:00Z",
      "2027-03-28T01:00:00Z", "2027-10-31T00:59:59Z", "2027-03-28T02:30:00+01:00", "2027-04-03T15:30:00Z",
      "2027-01-01T00:00:00+14:00", "2027-01-01T00:00:00-12:00", "2027-01-01T00:00:00.001Z", world.base.toISO()!,
    );
  }
  if (s.format === "date") return fc.constantFrom("1970-01-01", "2199-12-31", "2028-02-29", "2027-03-28", "2020-01-01", world.base.toISODate()!);
  if (s.format === "uuid") return fc.constantFrom(...anyId, "00000000-0000-4000-8000-000000000000");
  if (isMonth(s)) return fc.constantFrom("1970-01", "2199-12", "2020-02", "2027-03", "2027-10", world.month);
  if (isLocalDateTime(s)) return fc.constantFrom("2027-03-28T02:30", "2027-10-31T02:30", "1970-01-01T00:00", "2199-12-31T23:59", "2028-02-29T09:00");
  if (/zone/i.test(field)) return fc.constantFrom("Pacific/Kiritimati", "Asia/Kathmandu", "Australia/Lord_Howe", "America/St_Johns", "Etc/GMT-14", "Pacific/Pago_Pago", "Antarctica/Troll");
  if (/rrule/i.test(field)) return fc.constantFrom(...badRrules.filter((r) => typeof r === "string" && r.length >= 6));
  if (s.type === "integer" || s.type === "number") {
    const limits = [s.minimum, s.maximum, s.exclusiveMinimum, s.exclusiveMaximum].filter((v): v is number => typeof v === "number");
    return fc.constantFrom(...limits, ...(limits.length === 0 ? [0, 2_147_483_647] : []));
  }
  if (s.type === "string") {
    const max = Math.min(s.maxLength ?? 200, 10_000);
    return fc.constantFrom("x".repeat(max), "é".repeat(max), "💥".repeat(Math.floor(max / 2)), " ".repeat(Math.max(1, s.minLength ?? 1)), "Ǆ\u0301\u200d", "UPPER lower");
  }
  if (s.type === "array") {
    const items = concrete(s.items ?? {});
    const many = Math.min(s.maxItems ?? 50, 10_000);
    return items.format === "uuid" ? fc.constantFrom(Array.from({ length: Math.min(many, 500) }, (_, i) => anyId[i % anyId.length]), [anyId[0], anyId[0]]) : fc.constant([]);
  }
  if (s.type === "boolean") return fc.boolean();
  return fc.constant({});
}

// ---------------------------------------------------------------- plausible values

// Months and local date-times are named formats now; older schemas spelled them as patterns.
const isMonth = (s: JsonSchema) => s.format === "year-month" || (typeof s.pattern === "string" && s.pattern.includes("(0[1-9]|1[0-2])"));
const isLocalDateTime = (s: JsonSchema) => s.format === "local-date-time" || (typeof s.pattern === "string" && s.pattern.includes("T\\d{2}"));

/** The branch to fuzz in `anyOf: [X, null]`: X. */
function concrete(schema: JsonSchema): JsonSchema {
  const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (!branches) return schema;
  return branches.find((b) => b.type !== "null") ?? branches[0] ?? {};
}

const fieldKinds: [RegExp, Kind][] = [
  [/^(personId|requesterId|counterpartId|replacesPersonId|actorId|participants|eligiblePersonIds|excludedPersonIds)$/, "person"],
  [/^(teamId|hoursTeamId|supportTeamId|eligibleTeamIds|team)$/, "team"],
  [/^slotId$/, "slot"],
  [/^patternId$/, "pattern"],
  [/^(layer|layerId)$/, "layer"],
  [/^(defaultScheduleId|scheduleId|schedule)$/, "schedule"],
  [/^requirementId$/, "requirement"],
  [/^overrideId$/, "override"],
];

const segmentKinds: Record<string, Kind> = {
  people: "person",
  members: "person",
  teams: "team",
  tokens: "token",
  "staffing-requirements": "requirement",
  shifts: "shift",
  "shift-patterns": "pattern",
  "duty-programs": "program",
  "duty-slots": "slot",
  "duty-bookings": "booking",
  schedules: "schedule",
  overrides: "override",
  "time-off": "timeOff",
  swaps: "swap",
  workspaces: "workspace",
};

/** The kind of id a path parameter names: the resource segment before it (`/duty-slots/{id}` → slot). */
export function pathParamKind(path: string, param: string): Kind | undefined {
  const segments = path.split("/");
  const at = segments.indexOf(`{${param}}`);
  return at > 0 ? segmentKinds[segments[at - 1]!] : undefined;
}

function idsFor(world: World, kind: Kind | undefined, method?: string): string[] {
  if (!kind) return Object.values(world.ids).flat();
  // Deleting the fuzzer's own callers would end the run's reach; anything else may go.
  if (kind === "person" && method === "DELETE") return world.ids.person.filter((id) => ![world.callers.adminId, world.callers.memberId, world.callers.leadId].includes(id));
  return world.ids[kind];
}

export function realId(world: World, kind: Kind | undefined, method?: string): fc.Arbitrary<string> {
  const ids = idsFor(world, kind, method);
  return fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...(ids.length > 0 ? ids : world.ids.team)) }, { weight: 1, arbitrary: fc.uuid() });
}

const zones = ["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Pacific/Chatham", "UTC", "America/Los_Angeles"];
const rrules = ["FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=DAILY;COUNT=10", "FREQ=WEEKLY;BYDAY=FR;INTERVAL=2", "FREQ=MONTHLY;BYMONTHDAY=1", "FREQ=WEEKLY;BYDAY=TU;UNTIL=20280101"];

function instant(world: World): fc.Arbitrary<string> {
  // Whole half-hours within about three months of the seeded month, where the seeded objects are.
  return fc.integer({ min: -24 * 40, max: 24 * 60 }).map((halfHours) => world.base.plus({ minutes: halfHours * 30 }).toUTC().toISO({ suppressMilliseconds: true })!);
}

/** A value the schema accepts, aimed at the seeded world (real ids, instants near the seeded month). */
export function plausibleValue(schema: JsonSchema, field: string, world: World, depth = 0): fc.Arbitrary<unknown> {
  if (schema.anyOf || schema.oneOf) {
    const branches = (schema.anyOf ?? schema.oneOf) as JsonSchema[];
    // Mostly the concrete branch; null now and then.
    return fc.oneof(...branches.map((b) => ({ weight: b.type === "null" ? 1 : 4, arbitrary: plausibleValue(b, field, world, depth) })));
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const type = schema.type ?? (schema.properties ? "object" : undefined);
  switch (type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
    case "number": {
      const min = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -1000);
      const max = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1000);
      return fc.oneof(fc.integer({ min, max: Math.min(max, min + 10) }), fc.integer({ min, max }));
    }
    case "array": {
      const minLength = schema.minItems ?? 0;
      const maxLength = Math.max(minLength, Math.min(schema.maxItems ?? 3, 3));
      return fc.array(plausibleValue(schema.items ?? {}, field, world, depth + 1), { minLength, maxLength });
    }
    case "object": {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = (schema.required ?? []) as string[];
      if (depth > 4) return fc.constant({});
      const model = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, plausibleValue(v, k, world, depth + 1)]));
      return fc.record(model, { requiredKeys: required.filter((k) => k in model) }).map(coherent);
    }
    case "string":
      return plausibleString(schema, field, world);
    default:
      return fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean());
  }
}

const HALF_HOUR = 30 * 60 * 1000;
const intervalPairs = [["from", "to"], ["start", "end"], ["startDate", "endDate"]] as const;

/**
 * Puts generated `from`/`to`, `start`/`end` pairs in order and within two
 * weeks, so a request fails on the one field the fuzzer broke rather than on
 * an inverted or over-long window.
 */
export function coherent<T>(record: T): T {
  if (record === null || typeof record !== "object" || Array.isArray(record)) return record;
  const copy = { ...record } as Record<string, unknown>;
  for (const [first, second] of intervalPairs) {
    const a = copy[first];
    const b = copy[second];
    if (typeof a !== "string" || typeof b !== "string") continue;
    if (/^\d\d:\d\d$/.test(a) && /^\d\d:\d\d$/.test(b)) {
      if (b <= a) [copy[first], copy[second]] = a === b ? [a, "24:00"] : [b, a];
      continue;
    }
    const start = Date.parse(a);
    const end = Date.parse(b);
    if (Number.isNaN(start) || Number.isNaN(end)) continue;
    if (/^\d{4}-\d\d-\d\d$/.test(a)) {
      if (end < start) [copy[first], copy[second]] = [b, a];
      continue;
    }
    if (end <= start || end - start > 14 * 24 * 60 * 60 * 1000) {
      const span = (1 + (Math.round(Math.abs(end - start) / HALF_HOUR) % (14 * 48))) * HALF_HOUR;
      copy[second] = new Date(Math.min(start, end) + span).toISOString().replace(".000Z", "Z");
      copy[first] = new Date(Math.min(start, end)).toISOString().replace(".000Z", "Z");
    }
  }
  return copy as T;
}

function plausibleString(schema: JsonSchema, field: string, world: World): fc.Arbitrary<string> {
  if (schema.format === "uuid") {
    const kind = fieldKinds.find(([re]) => re.test(field))?.[1];
    return realId(world, kind);
  }
  if (schema.format === "date-time") return instant(world);
  if (schema.format === "date") return instant(world).map((i) => i.slice(0, 10));
  if (schema.format === "email") return fc.nat().map((n) => `fuzz-${n}@example.test`);
  if (/zone/i.test(field)) return fc.constantFrom(...zones);
  if (/rrule/i.test(field)) return fc.constantFrom(...rrules);
  if (field === "schedule") return fc.constantFrom(world.ids.schedule[0]!, "Fuzzed on-call", "fuzzed", "Fuzzed support");
  if (field === "cursor") return fc.constant(Buffer.from(JSON.stringify([world.base.toISO(), world.ids.person[0]])).toString("base64url"));
  if (isMonth(schema)) return fc.constantFrom(world.month, world.base.plus({ months: 1 }).toFormat("yyyy-MM"), world.base.minus({ months: 1 }).toFormat("yyyy-MM"));
  if (isLocalDateTime(schema)) return instant(world).map((i) => i.slice(0, 16));
  if (typeof schema.pattern === "string") {
    return fc.stringMatching(new RegExp(schema.pattern)).filter((s) => s.length <= (schema.maxLength ?? 200));
  }
  const minLength = Math.max(schema.minLength ?? 0, 0);
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 40, 40));
  return fc.string({ minLength, maxLength });
}

// ---------------------------------------------------------------- mutations

interface Slot {
  path: (string | number)[];
  schema: JsonSchema;
  field: string;
}

/** Every place in a value where the fuzzer may put something wrong: present fields and absent known ones. */
function slotsOf(value: unknown, schema: JsonSchema, path: (string | number)[] = [], field = "body"): Slot[] {
  const s = concrete(schema);
  const here: Slot = { path, schema: s, field };
  if (Array.isArray(value)) {
    return [here, ...value.flatMap((item, i) => slotsOf(item, s.items ?? {}, [...path, i], field))];
  }
  if (value !== null && typeof value === "object") {
    const properties = (s.properties ?? {}) as Record<string, JsonSchema>;
    const record = value as Record<string, unknown>;
    return [
      here,
      ...Object.entries(properties).flatMap(([k, sub]) => (k in record ? slotsOf(record[k], sub, [...path, k], k) : [{ path: [...path, k], schema: concrete(sub), field: k }])),
    ];
  }
  return [here];
}

function setAt(value: unknown, path: (string | number)[], replacement: unknown, remove = false): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) };
  if (rest.length === 0 && remove) {
    if (Array.isArray(copy)) copy.splice(head as number, 1);
    else delete copy[head!];
  } else {
    // defineProperty, so `__proto__` becomes a real key as it would in parsed JSON.
    Object.defineProperty(copy, head!, { value: setAt(copy[head!], rest, replacement, remove), enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** A valid value with exactly one thing broken: a field replaced, removed, or an unknown one added. */
export function mutated(value: unknown, schema: JsonSchema, world: World): fc.Arbitrary<{ value: unknown; mutation: string }> {
  const all = slotsOf(value, schema);
  // The whole body replaced is one option among many, not one per field.
  const slots = all.length > 1 ? all.filter((slot) => slot.path.length > 0) : all;
  return fc.constantFrom(...slots).chain((slot) =>
    fc.oneof(
      { weight: 4, arbitrary: hostileValue(slot.schema, slot.field, world).map((bad) => ({ value: setAt(value, slot.path, bad), mutation: `set ${slot.path.join(".") || "(body)"}` })) },
      { weight: 3, arbitrary: edgeValue(slot.schema, slot.field, world).map((edge) => ({ value: setAt(value, slot.path, edge), mutation: `edge ${slot.path.join(".") || "(body)"}` })) },
      { weight: slot.path.length > 0 ? 2 : 0, arbitrary: fc.constant({ value: setAt(value, slot.path, undefined, true), mutation: `remove ${slot.path.join(".")}` }) },
      {
        weight: 1,
        arbitrary: fc
          .constantFrom("__proto__", "constructor", "unknownField", "id", "version", "createdAt", "role")
          .map((key) => ({ value: setAt(value, [...slot.path, key], "x"), mutation: `add ${[...slot.path, key].join(".")}` })),
      },
    ),
  );
}
