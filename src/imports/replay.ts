import { HOUR_MS } from "../domain/interval.ts";
import { type ScheduleLayer, type Segment, computeSchedule } from "../domain/schedule.ts";
import type { TimeContext } from "../domain/wallclock.ts";
import type { Finding, OldAnswer, SourceSchedule } from "./model.ts";

/*
 * The replay proof: the old system's own on-call answers for a window, set
 * against Rota's segments for the imported schedule, instant by instant.
 * Rota's side is computed by the same engine that answers /v1/oncall
 * (domain/schedule.ts), over the imported layers and overrides with people
 * still named by their old ids, so a dry run proves the import before
 * anything is written.
 */

export interface Disagreement {
  start: Date;
  end: Date;
  /** Who the old system had on (empty: nobody). */
  expected: string[];
  /** Who Rota has on (null: nobody). */
  actual: string | null;
  /** What Rota's answer comes from there. */
  rota: { kind: "layer"; layer: string } | { kind: "override"; override: string } | { kind: "gap" };
  /** The findings about this schedule that may explain it (their codes). */
  likelyBecause: string[];
}

export interface ReplayReport {
  scheduleRef: string;
  window: { start: Date; end: Date };
  agreeHours: number;
  disagreeHours: number;
  disagreements: Disagreement[];
  /** True only at 0 disagreements over a non-empty window. */
  verified: boolean;
}

/** Rota's segments for an imported schedule, people named by their old ids. */
export function rotaSegments(schedule: SourceSchedule, window: { start: Date; end: Date }, context?: TimeContext): Segment[] {
  const layers: ScheduleLayer[] = schedule.layers.map((l, i) => ({
    id: `layer-${i}`,
    rotation: {
      participants: l.participants.map((personId) => ({ personId })),
      turn: l.turn,
      handoffTime: l.handoffTime,
      zone: l.timeZone,
      startDate: l.startDate,
      ...(l.start ? { start: l.start } : {}),
      ...(l.end ? { end: l.end } : {}),
      ...(l.restrictions && l.restrictions.length > 0 ? { restrictions: l.restrictions } : {}),
    },
  }));
  const overrides = schedule.overrides.map((o, i) => ({
    id: `override-${i}`,
    personId: o.personRef,
    start: o.start,
    end: o.end,
    // The file's order is the old system's order: later entries win, as newer overrides do in Rota.
    createdAt: o.createdAt ?? new Date(i),
  }));
  return computeSchedule({ layers, overrides, window: { from: window.start, to: window.end } }, context).segments;
}

function sameAnswer(expected: readonly string[], actual: string | null): boolean {
  if (actual === null) return expected.length === 0;
  return expected.length === 1 && expected[0] === actual;
}

/**
 * Compares the old answers for one schedule with Rota's segments for it over
 * the window (people named by their old ids); `rotaSource` says what a
 * segment comes from. Time the old answers do not cover counts as "nobody on".
 */
export function replaySegments(
  scheduleRef: string,
  segments: readonly Segment[],
  answers: readonly OldAnswer[],
  window: { start: Date; end: Date },
  rotaSource: (segment: Segment) => Disagreement["rota"],
  likelyBecause: string[] = [],
): ReplayReport {
  const from = window.start.getTime();
  const to = window.end.getTime();
  const mine = answers.filter((a) => a.scheduleRef === scheduleRef && a.end.getTime() > from && a.start.getTime() < to);

  const cuts = new Set<number>([from, to]);
  for (const a of mine) {
    cuts.add(Math.max(from, a.start.getTime()));
    cuts.add(Math.min(to, a.end.getTime()));
  }
  for (const s of segments) cuts.add(Math.min(to, Math.max(from, s.start.getTime())));
  const points = [...cuts].sort((a, b) => a - b);

  const disagreements: Disagreement[] = [];
  let agree = 0;
  let disagree = 0;
  let s = 0;
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i]!;
    const end = points[i + 1]!;
    while (s < segments.length && segments[s]!.end.getTime() <= start) s++;
    const segment = segments[s] !== undefined && segments[s]!.start.getTime() <= start ? segments[s] : undefined;
    const actual = segment?.personId ?? null;
    const expected = [...new Set(mine.filter((a) => a.start.getTime() <= start && a.end.getTime() >= end).flatMap((a) => a.personRefs))].sort();
    if (sameAnswer(expected, actual)) {
      agree += end - start;
      continue;
    }
    disagree += end - start;
    const rota: Disagreement["rota"] = segment ? rotaSource(segment) : { kind: "gap" };
    const last = disagreements[disagreements.length - 1];
    if (
      last !== undefined &&
      last.end.getTime() === start &&
      last.actual === actual &&
      last.expected.join() === expected.join() &&
      JSON.stringify(last.rota) === JSON.stringify(rota)
    ) {
      last.end = new Date(end);
    } else {
      disagreements.push({ start: new Date(start), end: new Date(end), expected, actual, rota, likelyBecause });
    }
  }
  return {
    scheduleRef,
    window: { start: new Date(from), end: new Date(to) },
    agreeHours: round(agree / HOUR_MS),
    disagreeHours: round(disagree / HOUR_MS),
    disagreements,
    verified: to > from && disagreements.length === 0,
  };
}

/** The findings about a schedule that can make the replay disagree (their codes). */
export function explanations(scheduleRef: string, findings: readonly Finding[]): string[] {
  return [...new Set(findings.filter((f) => f.scheduleRef === scheduleRef && f.kind !== "note").map((f) => f.code))];
}

/** The replay of an imported schedule before anything is written: Rota's engine on the parsed layers and overrides. */
export function replaySchedule(
  schedule: SourceSchedule,
  answers: readonly OldAnswer[],
  window: { start: Date; end: Date },
  findings: readonly Finding[] = [],
  context?: TimeContext,
): ReplayReport {
  const segments = window.end > window.start ? rotaSegments(schedule, window, context) : [];
  const source = (segment: Segment): Disagreement["rota"] => {
    const s = segment.source;
    if (s.kind === "layer") {
      const index = Number(s.layerId.slice("layer-".length));
      return { kind: "layer", layer: schedule.layers[index]?.name ?? s.layerId };
    }
    if (s.kind === "override") {
      const index = Number(s.overrideId.slice("override-".length));
      return { kind: "override", override: schedule.overrides[index]?.ref ?? s.overrideId };
    }
    return { kind: "gap" };
  };
  return replaySegments(schedule.ref, segments, answers, window, source, explanations(schedule.ref, findings));
}

function round(hours: number): number {
  return Math.round(hours * 1000) / 1000;
}
