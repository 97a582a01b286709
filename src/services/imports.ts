import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";
import { createScheduleRepository, type LayerRows } from "../db/repositories/schedules.ts";
import { importedRefs, type Person } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { computeSchedule, type Segment } from "../domain/schedule.ts";
import type { Weekday } from "../domain/weekly.ts";
import { parseGrafanaExport, parseGrafanaOnCalls } from "../imports/grafana.ts";
import { parseIcalExport, parseIcalOnCalls } from "../imports/ical.ts";
import { detectSystem } from "../imports/json.ts";
import { ImportError, type Finding, type OldAnswers, type SourceExport, type SourceLayer, type SourceSchedule, type SourceSystem } from "../imports/model.ts";
import { parseOpsgenieExport, parseOpsgenieOnCalls } from "../imports/opsgenie.ts";
import { parsePagerDutyExport, parsePagerDutyOnCalls } from "../imports/pagerduty.ts";
import { explanations, replaySchedule, replaySegments, type Disagreement, type ReplayReport } from "../imports/replay.ts";
import { audit, auditMany } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { validTimeZone } from "./people.ts";
import { authorize } from "./policy.ts";
import { requireWindow } from "./windows.ts";
import { createSchedule, layerView, loadScheduleState, overrideOf, updateSchedule, type LayerInput } from "./schedules.ts";

/*
 * Moving in from PagerDuty, Opsgenie, Grafana OnCall or an iCal rota.
 *
 * src/imports/* read the export into plain layers and overrides naming people
 * by the old system's ids, with findings for whatever cannot be carried over
 * exactly. Here people are resolved by email (created only when asked), each
 * schedule is planned against what an earlier import of it made
 * (imported_refs: create, update or unchanged), and the old system's own
 * answers are replayed against Rota's engine, instant by instant. A dry run
 * (the default) writes nothing; `apply` writes everything in one transaction
 * and replays again on what was stored, so the report speaks for the rows the
 * on-call API will read.
 */

export interface ImportRequest {
  from: SourceSystem;
  /** The export: a JSON value (PagerDuty, Opsgenie, Grafana OnCall) or iCalendar text. */
  export: unknown;
  /** The old system's on-call answers for a window (for iCal, the calendar answers for itself). */
  oncalls?: unknown;
  apply?: boolean | undefined;
  /** Create the people no one in Rota has the email of (default: report them and refuse to apply). */
  createPeople?: boolean | undefined;
  /** Old user id (or, for iCal, a name as the events spell it) → email: for users without one, or to match differently. */
  mapping?: Record<string, string> | undefined;
  /** The team the imported schedules belong to. */
  teamId?: string | null | undefined;
  /** The replay window when the answers do not say (and, for iCal, the events to read). */
  window?: { from: string; to: string } | undefined;
  /** iCal: the imported schedule's name and zone. */
  scheduleName?: string | undefined;
  timeZone?: string | undefined;
}

type Action = "create" | "update" | "unchanged";

export interface PersonPlan {
  ref: string;
  name: string;
  email: string;
  action: "match" | "create" | "missing";
  personId: string | null;
}

export interface SchedulePlan {
  ref: string;
  name: string;
  action: Action;
  id: string | null;
  layers: number;
  overrides: { create: number; replace: number; unchanged: number };
  /** Another schedule, not made by this import, already has the name: apply refuses (409 schedule_name_taken) until one is renamed. */
  nameTakenBy: string | null;
}

export interface ImportReport {
  system: SourceSystem;
  applied: boolean;
  people: PersonPlan[];
  schedules: SchedulePlan[];
  findings: Finding[];
  /** One per schedule the old answers cover; empty without answers. */
  replay: ReplayReport[];
  /** Every imported schedule replayed over a window with 0 disagreements. */
  verified: boolean;
}

const MAX_SCHEDULES = 500;
const MAX_OVERRIDES = 20_000;

/** An ImportError as the API's refusal: the field is the part of the request, `place` where in that file. */
function reading<T>(field: "export" | "oncalls", read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    const where = error.place === "" ? "" : error.place.startsWith("/") ? error.place : ` (${error.place})`;
    throw new DomainError(error.code, error.message, { field: `${field}${where}`, details: { place: error.place } });
  }
}

function parse(request: ImportRequest, now: Date): { source: SourceExport; answers: OldAnswers | null } {
  const { from } = request;
  if (from === "ical") {
    if (typeof request.export !== "string") throw new DomainError("invalid_export", "An iCal export is the calendar's text (a string)", { field: "export" });
    const window = requiredWindow(request);
    const options = {
      from: window.start,
      to: window.end,
      ...(request.mapping ? { mapping: request.mapping } : {}),
      ...(request.scheduleName ? { scheduleName: request.scheduleName } : {}),
      ...(request.timeZone ? { timeZone: request.timeZone } : {}),
    };
    const text = request.export;
    return { source: reading("export", () => parseIcalExport(text, options)), answers: reading("export", () => parseIcalOnCalls(text, options)) };
  }
  const doc = reading("export", () => jsonOf(request.export, "export", from));
  const oncalls = request.oncalls === undefined || request.oncalls === null ? null : reading("oncalls", () => jsonOf(request.oncalls, "oncalls", from));
  const parsers: Record<typeof from, [(doc: unknown) => SourceExport, (doc: unknown, source: SourceExport) => OldAnswers]> = {
    // Layers that ended before now are left out (each listed as skipped).
    pagerduty: [(doc) => parsePagerDutyExport(doc, { now }), (doc) => parsePagerDutyOnCalls(doc)],
    opsgenie: [parseOpsgenieExport, (doc) => parseOpsgenieOnCalls(doc)],
    // final_shifts does not name its schedule: with one schedule in the export, it is that one.
    grafana: [parseGrafanaExport, (doc, source) => parseGrafanaOnCalls(doc, source.schedules.length === 1 ? source.schedules[0]!.ref : undefined)],
  };
  const [exportOf, answersOf] = parsers[from];
  const source = reading("export", () => exportOf(doc));
  return { source, answers: oncalls === null ? null : reading("oncalls", () => answersOf(oncalls, source)) };
}

/**
 * A JSON export sent as text (the CLI reads files as text) is parsed here: an
 * iCal calendar is another system's file, a cut-off one a clear 422.
 */
function jsonOf(value: unknown, field: "export" | "oncalls", system: SourceSystem): unknown {
  if (typeof value !== "string") return value;
  if (detectSystem(value) === "ical") throw new ImportError("wrong_system", "", `This is an iCal calendar, not a ${system} file: import it with from "ical"`);
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new ImportError("truncated_export", "", `The ${field} is not complete JSON: ${(error as Error).message}`);
  }
}

function requiredWindow(request: ImportRequest): { start: Date; end: Date } {
  if (!request.window) throw new DomainError("invalid_input", "An iCal import needs a window: the events to read", { field: "window" });
  const { from, to } = requireWindow("imports", new Date(request.window.from), new Date(request.window.to), { from: "window.from", to: "window.to" });
  return { start: from, end: to };
}

/** The emails of everyone the schedules need; a needed user with none (and no mapping) stops the import. */
function neededPeople(source: SourceExport, mapping: Record<string, string>) {
  const needed = new Set<string>();
  for (const s of source.schedules) {
    for (const l of s.layers) for (const p of l.participants) if (p !== null) needed.add(p);
    for (const o of s.overrides) needed.add(o.personRef);
  }
  const byRef = new Map(source.people.map((p) => [p.ref, p]));
  return [...needed].map((ref) => {
    const person = byRef.get(ref);
    const email = (mapping[ref] ?? person?.email ?? "").trim().toLowerCase();
    if (email === "") {
      throw new ImportError(
        "missing_email",
        person?.place ?? "",
        person ? `User ${ref} (${person.name}) has no email; give one in mapping["${ref}"]` : `User ${ref} is on a schedule but not among the export's users; give an email in mapping["${ref}"]`,
      );
    }
    return { ref, email, name: person?.name ?? email, timeZone: person?.timeZone ?? null };
  });
}

function layerInput(layer: SourceLayer, schedule: SourceSchedule, personIds: Map<string, string>): LayerInput {
  return {
    name: layer.name,
    participants: layer.participants.map((ref) => (ref === null ? null : personIds.get(ref)!)),
    turn: layer.turn,
    handoffTime: layer.handoffTime,
    timeZone: layer.timeZone === schedule.timeZone ? null : layer.timeZone,
    startDate: layer.startDate,
    start: layer.start?.toISOString() ?? null,
    end: layer.end?.toISOString() ?? null,
    restrictions: layer.restrictions ?? [],
  };
}

/** The stored layers in the shape layerInput gives, for an exact comparison. */
function storedLayer(rows: LayerRows): LayerInput {
  const view = layerView(rows);
  return {
    name: view.name,
    participants: view.participants,
    turn: view.turn,
    handoffTime: view.handoffTime,
    timeZone: view.timeZone,
    startDate: view.startDate,
    start: view.start?.toISOString() ?? null,
    end: view.end?.toISOString() ?? null,
    restrictions: view.restrictions.map((r) => ({ days: r.days as Weekday[], start: r.start, end: r.end })),
  };
}

/**
 * Equal layers, whatever the order their restrictions come back in (the
 * database keeps no order for them) and whatever order an importer wrote a
 * window's fields in.
 */
function sameLayers(a: LayerInput[], b: LayerInput[]): boolean {
  const canonical = (layers: LayerInput[]) =>
    JSON.stringify(layers.map((l) => ({ ...l, restrictions: (l.restrictions ?? []).map((r) => `${r.days.join(",")} ${r.start}-${r.end}`).sort() })));
  return canonical(a) === canonical(b);
}

async function linksOf(db: Db, system: SourceSystem, kind: "schedule" | "override", refs: string[]) {
  if (refs.length === 0) return new Map<string, string>();
  const rows = await db
    .select({ ref: importedRefs.ref, targetId: importedRefs.targetId })
    .from(importedRefs)
    .where(and(eq(importedRefs.system, system), eq(importedRefs.kind, kind), inArray(importedRefs.ref, refs)));
  return new Map(rows.map((r) => [r.ref, r.targetId]));
}

async function link(db: Db, system: SourceSystem, kind: "schedule" | "override", ref: string, targetId: string, now: Date) {
  await db
    .insert(importedRefs)
    .values({ system, kind, ref, targetId, importedAt: now })
    .onConflictDoUpdate({ target: [importedRefs.system, importedRefs.kind, importedRefs.ref], set: { targetId, importedAt: now } });
}

const overrideKey = (schedule: SourceSchedule, ref: string) => `${schedule.ref}/${ref}`;

export async function runImport(ctx: ServiceContext, request: ImportRequest): Promise<ImportReport> {
  authorize(ctx.actor, "import.run", {});
  const { source, answers } = parse(request, ctx.now);
  if (source.schedules.length > MAX_SCHEDULES) throw new DomainError("too_many_rows", `An import holds at most ${MAX_SCHEDULES} schedules`, { field: "export" });
  if (source.schedules.reduce((n, s) => n + s.overrides.length, 0) > MAX_OVERRIDES) {
    throw new DomainError("too_many_rows", `An import holds at most ${MAX_OVERRIDES} overrides`, { field: "export" });
  }
  for (const s of source.schedules) validTimeZone(s.timeZone, "export");
  const needed = reading("export", () => neededPeople(source, request.mapping ?? {}));
  const apply = request.apply === true;

  const work = async (db: Db) => {
    const found = await createPeopleRepository(db).findByEmails(needed.map((p) => p.email));
    const byEmail = new Map(found.map((p) => [p.email.toLowerCase(), p]));
    const people: PersonPlan[] = needed.map((p) => {
      const person = byEmail.get(p.email);
      return { ref: p.ref, name: person?.name ?? p.name, email: p.email, action: person ? "match" : request.createPeople ? "create" : "missing", personId: person?.id ?? null };
    });
    const missing = people.filter((p) => p.action === "missing");
    if (apply && missing.length > 0) {
      throw new DomainError("people_missing", `${missing.length} people of the export have no Rota person with their email: pass createPeople, or a mapping to existing emails`, {
        field: "mapping",
        details: { missing: missing.map(({ ref, name, email }) => ({ ref, name, email })) },
      });
    }
    if (apply) await createPeople(db, ctx, needed, people);

    const scheduleLinks = await linksOf(db, source.system, "schedule", source.schedules.map((s) => s.ref));
    const repo = createScheduleRepository(db);
    const heads = await repo.heads({});
    const existing = new Map(heads.map((h) => [h.id, h]));
    const idByName = new Map(heads.map((h) => [h.name.toLowerCase(), h.id]));
    const personIds = new Map(people.filter((p) => p.personId !== null).map((p) => [p.ref, p.personId!]));
    const plans: SchedulePlan[] = [];
    const scoped = { ...ctx, db };
    for (const schedule of source.schedules) {
      const linked = scheduleLinks.get(schedule.ref);
      const current = linked !== undefined ? existing.get(linked) : undefined;
      const named = idByName.get(schedule.name.trim().toLowerCase());
      const plan: SchedulePlan = {
        ref: schedule.ref,
        name: schedule.name,
        action: "create",
        id: current?.id ?? null,
        layers: schedule.layers.length,
        overrides: { create: 0, replace: 0, unchanged: 0 },
        nameTakenBy: named !== undefined && named !== current?.id ? named : null,
      };
      plans.push(plan);
      if (apply && plan.nameTakenBy) {
        throw new DomainError("schedule_name_taken", `A schedule named "${schedule.name}" already exists (${plan.nameTakenBy}) and was not made by this import: rename one of them`, {
          field: `export${schedule.place}`,
          details: { place: schedule.place, scheduleId: plan.nameTakenBy },
        });
      }
      const canWrite = schedule.layers.every((l) => l.participants.every((p) => p === null || personIds.has(p))) && schedule.overrides.every((o) => personIds.has(o.personRef));
      if (current) {
        const stored = await repo.layers(current.id);
        const wanted = canWrite ? schedule.layers.map((l) => layerInput(l, schedule, personIds)) : null;
        const same = wanted !== null && current.name === schedule.name && current.timeZone === schedule.timeZone && sameLayers(stored.map(storedLayer), wanted);
        plan.action = same ? "unchanged" : "update";
        if (apply && !same) await updateSchedule(scoped, current.id, { name: schedule.name, timeZone: schedule.timeZone, layers: wanted! });
      } else if (apply) {
        const created = await createSchedule(scoped, {
          name: schedule.name,
          description: schedule.description,
          timeZone: schedule.timeZone,
          teamId: request.teamId ?? null,
          layers: schedule.layers.map((l) => layerInput(l, schedule, personIds)),
        });
        plan.id = created.id;
        await link(db, source.system, "schedule", schedule.ref, created.id, ctx.now);
      }
      await planOverrides(db, ctx, source.system, schedule, plan, personIds, apply);
    }

    const replay = answers ? await replayAll(db, source, answers, request, plans, people, apply) : [];
    const verified = source.schedules.length > 0 && source.schedules.every((s) => replay.some((r) => r.scheduleRef === s.ref && r.verified));
    return { system: source.system, applied: apply, people, schedules: plans, findings: source.findings, replay, verified };
  };
  return apply ? ctx.db.transaction(work) : work(ctx.db);
}

async function createPeople(db: Db, ctx: ServiceContext, needed: ReturnType<typeof neededPeople>, people: PersonPlan[]) {
  const toCreate = people.filter((p) => p.action === "create");
  if (toCreate.length === 0) return;
  authorize(ctx.actor, "person.create", { role: "member", setsTrainedAt: false, inactive: false });
  const zoneOf = new Map(needed.map((p) => [p.ref, p.timeZone]));
  const repo = createPeopleRepository(db);
  const created: Person[] = [];
  for (const p of toCreate) {
    const zone = zoneOf.get(p.ref);
    const person = await repo.insert({ name: p.name, email: p.email, timeZone: zone ? validTimeZone(zone, "export") : "UTC", role: "member", createdAt: ctx.now, updatedAt: ctx.now });
    p.personId = person.id;
    created.push(person);
  }
  await auditMany(db, ctx, created.map((person) => ({ entity: "person", entityId: person.id, action: "import", changes: { after: person } })));
}

/**
 * Overrides by their old id: new ones are created, changed ones replaced,
 * the rest left alone. They are written oldest first a millisecond apart,
 * so where they overlap Rota's "newest wins" keeps the export's order.
 */
async function planOverrides(
  db: Db,
  ctx: ServiceContext,
  system: SourceSystem,
  schedule: SourceSchedule,
  plan: SchedulePlan,
  personIds: Map<string, string>,
  apply: boolean,
) {
  const keys = schedule.overrides.map((o) => overrideKey(schedule, o.ref));
  const links = await linksOf(db, system, "override", keys);
  const repo = createScheduleRepository(db);
  const stored = plan.id && links.size > 0 ? await repo.overridesByIds([...links.values()]) : [];
  const byId = new Map(stored.map((o) => [o.id, o]));
  const ordered = schedule.overrides.map((o, i) => ({ o, i })).sort((a, b) => (a.o.createdAt?.getTime() ?? a.i) - (b.o.createdAt?.getTime() ?? b.i) || a.i - b.i);
  let written = 0;
  for (const [n, { o }] of ordered.entries()) {
    const key = overrideKey(schedule, o.ref);
    const old = byId.get(links.get(key) ?? "");
    const personId = personIds.get(o.personRef) ?? null;
    if (old && old.personId === personId && old.startAt.getTime() === o.start.getTime() && old.endAt.getTime() === o.end.getTime()) {
      plan.overrides.unchanged++;
      continue;
    }
    if (old) plan.overrides.replace++;
    else plan.overrides.create++;
    if (!apply) continue;
    if (old) await repo.deleteOverride(old.id);
    const row = await repo.insertOverride({
      scheduleId: plan.id!,
      personId: personId!,
      replacesPersonId: null,
      startAt: o.start,
      endAt: o.end,
      note: `Imported from ${system} (${o.ref})`,
      createdBy: ctx.actor.personId,
      createdAt: new Date(ctx.now.getTime() - (ordered.length - n)),
    });
    await link(db, system, "override", key, row.id, ctx.now);
    written++;
  }
  if (written > 0) {
    await repo.touch(plan.id!, {}, ctx.now);
    await audit(db, ctx, { entity: "schedule", entityId: plan.id!, action: "import_overrides", changes: { system, created: plan.overrides.create, replaced: plan.overrides.replace } });
  }
}

/**
 * The old answers against Rota's: before writing, on the parsed schedule;
 * after writing, on the stored one (people mapped back to the old ids).
 */
async function replayAll(
  db: Db,
  source: SourceExport,
  answers: OldAnswers,
  request: ImportRequest,
  plans: SchedulePlan[],
  people: PersonPlan[],
  applied: boolean,
): Promise<ReplayReport[]> {
  const refOf = new Map(people.filter((p) => p.personId !== null).map((p) => [p.personId!, p.ref]));
  const reports: ReplayReport[] = [];
  for (const schedule of source.schedules) {
    const given = answers.windows.get(schedule.ref) ?? (request.window ? { start: new Date(request.window.from), end: new Date(request.window.to) } : undefined);
    if (!given) continue;
    const { from, to } = requireWindow("imports", given.start, given.end, { from: "oncalls", to: "oncalls" });
    const window = { start: from, end: to };
    const plan = plans.find((p) => p.ref === schedule.ref)!;
    if (!applied || plan.id === null) {
      reports.push(replaySchedule(schedule, answers.answers, window, source.findings));
      continue;
    }
    const state = await loadScheduleState(db, plan.id, window.start, window.end);
    const result = computeSchedule({ layers: state.layers, overrides: state.overrides.map(overrideOf), window: { from: window.start, to: window.end } });
    const segments: Segment[] = result.segments.map((s) => ({ ...s, personId: s.personId === null ? null : (refOf.get(s.personId) ?? s.personId) }));
    const layerNames = new Map(state.layerRows.map((r) => [r.layer.id, r.layer.name]));
    const source_ = (segment: Segment): Disagreement["rota"] =>
      segment.source.kind === "layer"
        ? { kind: "layer", layer: layerNames.get(segment.source.layerId) ?? segment.source.layerId }
        : segment.source.kind === "override"
          ? { kind: "override", override: segment.source.overrideId }
          : { kind: "gap" };
    reports.push(replaySegments(schedule.ref, segments, answers.answers, window, source_, explanations(schedule.ref, source.findings)));
  }
  return reports;
}
