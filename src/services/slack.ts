import { IANAZone } from "luxon";
import { createScheduleRepository } from "../db/repositories/schedules.ts";
import type { Db } from "../db/client.ts";
import type { SlackWorkspace } from "../db/schema/index.ts";
import { loadOnDutyNow, loadSlackDirectory } from "../db/load-slack.ts";
import { closestNames, KEYWORDS, keywordLastReading, normalizeName, parseOnCallText, wholeTextAsName } from "../slack/command.ts";
import {
  ambiguousTargetMessage,
  badTimeMessage,
  dutyMessage,
  errorMessage,
  helpMessage,
  onCallListMessage,
  onCallMessage,
  unknownTargetMessage,
  weekMessage,
  type AnswerClock,
  type AskedTime,
  type DutyProgramAnswer,
  type OnCallAnswer,
  type OnCallPersonView,
  type SlackMessage,
  type WeekTurn,
} from "../slack/message.ts";
import { resolveWhen } from "../slack/when.ts";
import { verifySlackSignature, type SignatureCheck } from "../slack/signature.ts";
import { DomainError } from "../domain/errors.ts";
import { audit } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { onCallLookup, onCallTimeline, type OnCallCache } from "./oncall.ts";
import { authorize } from "./policy.ts";
import { requireSecretBox, type SecretBox } from "./secrets.ts";

/** Why a Slack request was refused; `secret_unreadable` is the server's fault (key changed or missing), and logged as such. */
export type SlackRequestFailure = SignatureCheck | { ok: false; reason: "unknown_workspace" } | { ok: false; reason: "secret_unreadable"; workspaceId: string; detail: string };

/** Which workspace sent the request, and whether it really did (signature and timestamp). */
export async function authenticateSlackRequest(
  db: Db,
  secrets: SecretBox | undefined,
  input: { rawBody: string; timestamp: string | undefined; signature: string | undefined; now: Date },
): Promise<{ workspace: SlackWorkspace; form: URLSearchParams } | { failure: SlackRequestFailure }> {
  const form = new URLSearchParams(input.rawBody);
  const workspace = await createScheduleRepository(db).workspaceBySlackTeam(form.get("team_id") ?? "");
  if (!workspace) return { failure: { ok: false, reason: "unknown_workspace" } };
  let signingSecret: string;
  try {
    signingSecret = signingSecretOf(workspace, secrets);
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return { failure: { ok: false, reason: "secret_unreadable", workspaceId: workspace.id, detail: err.message } };
  }
  const check = verifySlackSignature({ rawBody: input.rawBody, timestamp: input.timestamp, signature: input.signature, signingSecret, now: input.now });
  return check.ok ? { workspace, form } : { failure: check };
}

/** The sealed secret opened, or (until the start-up sealing ran with a key) the legacy clear one. */
function signingSecretOf(workspace: SlackWorkspace, secrets: SecretBox | undefined): string {
  if (workspace.signingSecretSealed !== null) return requireSecretBox(secrets).open(workspace.signingSecretSealed);
  if (workspace.signingSecretInClear !== null) return workspace.signingSecretInClear;
  throw new DomainError("secret_unreadable", "The workspace has no signing secret");
}

/**
 * Run at start, after migrations: seals every signing secret still in clear
 * (rows from before 0010) and nulls the clear column. Without a key nothing
 * moves; the caller warns with the count. Safe to run on several instances.
 */
export async function sealClearSlackSecrets(db: Db, secrets: SecretBox | undefined): Promise<{ sealed: number; inClear: number }> {
  const repo = createScheduleRepository(db);
  const rows = await repo.workspacesWithClearSecret();
  if (!secrets) return { sealed: 0, inClear: rows.length };
  let sealed = 0;
  for (const row of rows) {
    if (await repo.replaceClearSecret(row.id, secrets.seal(row.signingSecretInClear!))) sealed++;
  }
  return { sealed, inClear: 0 };
}

/** What a name typed after `/oncall` resolved to: schedules to answer for, and the zone to answer in when the caller has none. */
interface Target {
  scheduleIds: string[];
  /** Several schedules (every schedule, or a team's): answered as a list. */
  many: boolean;
  /** What the user named, for "which one?" when a list cannot answer (next, week). */
  label: string | null;
  zone: string;
  zoneSource: "schedule" | "team" | "utc";
}

type Directory = Awaited<ReturnType<typeof loadSlackDirectory>>;

const DAY_MS = 86_400_000;
/** Skills are tags (see the people routes' Skill): one word, stored lower-case. */
const SKILL = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$/;

/**
 * Answers `/oncall` in Slack's message format: `[<schedule or team>]
 * [at <time> | next | week]`, `duty [skill]`, `help`. Times are read and
 * written in the caller's zone (the person whose chat user id is the Slack
 * `user_id`), else the zone of what they asked about; bad input gets an
 * ephemeral explanation, never an error status.
 */
export async function answerOnCallCommand(db: Db, cache: OnCallCache, workspace: SlackWorkspace, form: URLSearchParams, now: Date): Promise<SlackMessage> {
  const commandName = form.get("command") || "/oncall";
  const text = form.get("text") ?? "";
  const directory = await loadSlackDirectory(db, (form.get("user_id") ?? "").trim());
  const allNames = [...new Set([...directory.schedules.map((h) => h.name), ...directory.teams.map((t) => t.name)])];

  let command = parseOnCallText(text);
  // A schedule called "Next Gen" or "Eyes at night" is a name before it is a command.
  const whole = wholeTextAsName(text);
  if (command.kind !== "help" && whole && !KEYWORDS.has(whole.toLowerCase()) && exactMatches(directory, whole).length > 0) command = { kind: "now", target: whole };
  else if ("target" in command && command.target !== null && exactMatches(directory, command.target).length === 0) {
    const other = keywordLastReading(text);
    if (other && "target" in other && other.target !== null && exactMatches(directory, other.target).length > 0) command = other;
  }
  if (command.kind === "help") return helpMessage(commandName, allNames);

  try {
    if (command.kind === "duty") return await answerDuty(db, directory, command.skill, now);

    const target = resolveTarget(directory, workspace, command.target, commandName, allNames);
    if ("message" in target) return target.message;
    const clock: AnswerClock = callerZone(directory) ? { zone: callerZone(directory)!, zoneSource: "caller", now } : { zone: target.zone, zoneSource: target.zoneSource, now };

    if (command.kind === "bad_time") return badTimeMessage(command.asked, commandName);
    let asked: AskedTime | undefined;
    if (command.kind === "at") {
      const resolved = resolveWhen(command.when, clock.zone, now);
      if (!resolved.ok) return badTimeMessage(command.asked, commandName, resolved.reason);
      asked = resolved.value;
    }
    if ((command.kind === "next" || command.kind === "week") && target.many) {
      return ambiguousTargetMessage(target.label ?? "", namesOf(directory, target.scheduleIds), commandName);
    }
    if (command.kind === "week") return await answerWeek(db, cache, directory, target.scheduleIds[0]!, clock);

    const at = asked?.at ?? now;
    const answers = await onCallAnswers(db, cache, target.scheduleIds, at, target.scheduleIds.length === directory.schedules.length);
    if (answers.length === 0) return errorMessage("That schedule could not be read; try again.");
    if (target.many) return onCallListMessage(answers, clock, asked);
    return onCallMessage(answers[0]!, command.kind === "next" ? "next" : "now", clock, asked);
  } catch (err) {
    // A schedule deleted between two reads, a window Rota refuses: said to the user, not a 500.
    if (err instanceof DomainError) return errorMessage(err.message);
    throw err;
  }
}

/** The caller's zone, when they are linked to a person and it is a zone this runtime knows (else the target's zone answers). */
function callerZone(directory: Directory): string | null {
  const zone = directory.caller?.timeZone;
  return zone && IANAZone.isValidZone(zone) ? zone : null;
}

/** Schedules and teams whose name is `name`, ignoring case, accents and spacing. */
function exactMatches(directory: Directory, name: string) {
  const wanted = normalizeName(name);
  return [
    ...directory.schedules.filter((s) => normalizeName(s.name) === wanted).map((s) => ({ kind: "schedule" as const, name: s.name, id: s.id, zone: s.timeZone })),
    ...directory.teams.filter((t) => normalizeName(t.name) === wanted).map((t) => ({ kind: "team" as const, name: t.name, id: t.id, zone: t.timeZone })),
  ];
}

/**
 * A typed name → schedules. Nothing typed: the workspace's default schedule,
 * the only one, or every schedule. A name: schedules of that exact name first,
 * then a team of that name (its schedules); else names containing what was
 * typed, when they all lead to the same schedules; else "which one?" or
 * "no such name, did you mean…" (ephemeral).
 */
function resolveTarget(directory: Directory, workspace: SlackWorkspace, typed: string | null, commandName: string, allNames: string[]): Target | { message: SlackMessage } {
  const { schedules } = directory;
  if (typed === null) {
    const chosen = schedules.find((s) => s.id === workspace.defaultScheduleId) ?? (schedules.length === 1 ? schedules[0] : undefined);
    if (chosen) return { scheduleIds: [chosen.id], many: false, label: chosen.name, zone: chosen.timeZone, zoneSource: "schedule" };
    if (schedules.length === 0) return { message: helpMessage(commandName, allNames) };
    const zones = new Set(schedules.map((s) => s.timeZone));
    const zone = zones.size === 1 ? schedules[0]!.timeZone : "UTC";
    return { scheduleIds: schedules.map((s) => s.id), many: true, label: null, zone, zoneSource: zones.size === 1 ? "schedule" : "utc" };
  }

  const exact = exactMatches(directory, typed);
  const bySchedule = exact.filter((m) => m.kind === "schedule");
  const chosen = bySchedule.length > 0 ? bySchedule : exact;
  if (chosen.length > 0) return targetOf(directory, chosen, typed);

  const wanted = normalizeName(typed);
  const partial = allNames.filter((name) => normalizeName(name).includes(wanted));
  if (partial.length > 0) {
    const sets = partial.map((name) => targetOf(directory, exactMatches(directory, name), name));
    const first = sets[0]!;
    const same = sets.every((t) => !("message" in t) && !("message" in first) && t.scheduleIds.join() === first.scheduleIds.join());
    if (same) return first;
    return { message: ambiguousTargetMessage(typed, partial, commandName) };
  }
  return { message: unknownTargetMessage(typed, closestNames(typed, allNames), allNames, commandName) };
}

function targetOf(directory: Directory, matches: ReturnType<typeof exactMatches>, label: string): Target | { message: SlackMessage } {
  const first = matches[0]!;
  if (first.kind === "schedule") {
    return { scheduleIds: matches.map((m) => m.id), many: matches.length > 1, label, zone: first.zone, zoneSource: "schedule" };
  }
  const teamIds = new Set(matches.map((m) => m.id));
  const ids = directory.schedules.filter((s) => s.teamId !== null && teamIds.has(s.teamId)).map((s) => s.id);
  if (ids.length === 0) return { message: errorMessage(`The team ${first.name} has no on-call schedule.`) };
  return { scheduleIds: ids, many: ids.length > 1, label, zone: first.zone, zoneSource: "team" };
}

function namesOf(directory: Directory, scheduleIds: string[]): string[] {
  const ids = new Set(scheduleIds);
  return directory.schedules.filter((s) => ids.has(s.id)).map((s) => s.name);
}

function personView(person: { name: string; chatUserId: string | null; timeZone: string }): OnCallPersonView {
  return { name: person.name, chatUserId: person.chatUserId, timeZone: person.timeZone };
}

/** Who is on call at `at` on each schedule, in the order of the schedules' names. */
async function onCallAnswers(db: Db, cache: OnCallCache, scheduleIds: string[], at: Date, everySchedule: boolean): Promise<OnCallAnswer[]> {
  // Every schedule: one lookup; a few (a team's): one each, so the others' timelines are not computed.
  const items = everySchedule
    ? (await onCallLookup(db, cache, { at })).items.filter((item) => scheduleIds.includes(item.schedule.id))
    : (await Promise.all(scheduleIds.map((id) => onCallLookup(db, cache, { schedule: id, at })))).flatMap((answer) => answer.items);
  return items.map((item) => {
    const { current } = item;
    // An override that puts someone on over their own turn covers nobody: shown as their turn.
    const coversSelf = current?.covering?.id === current?.person.id;
    return {
      scheduleName: item.schedule.name,
      current: current
        ? {
            person: personView(current.person),
            since: current.sinceExact ? current.since : null,
            until: current.until,
            viaOverride: current.source === "override" && !coversSelf,
            covering: current.covering && !coversSelf ? personView(current.covering) : null,
          }
        : null,
      gapUntil: item.gap && item.next ? item.gap.until : null,
      next: item.next?.person ? { person: personView(item.next.person), from: item.next.from } : null,
    };
  });
}

/** The next 7 days of one schedule, hand-off by hand-off. */
async function answerWeek(db: Db, cache: OnCallCache, directory: Directory, scheduleId: string, clock: AnswerClock): Promise<SlackMessage> {
  const { turns } = await onCallTimeline(db, cache, scheduleId, clock.now, new Date(clock.now.getTime() + 7 * DAY_MS));
  const ids = [...new Set(turns.flatMap((t) => [t.personId, t.coveringId]).filter((id): id is string => id !== null))];
  const people = new Map((await createScheduleRepository(db).peopleByIds(ids)).map((p) => [p.id, personView(p)]));
  const name = directory.schedules.find((s) => s.id === scheduleId)?.name ?? "the schedule";
  const weekTurns: WeekTurn[] = [];
  const views = turns.map((t): WeekTurn => {
    const coversSelf = t.coveringId !== null && t.coveringId === t.personId;
    return {
      person: t.personId ? (people.get(t.personId) ?? null) : null,
      start: t.start,
      end: t.end,
      viaOverride: t.viaOverride && !coversSelf,
      covering: t.coveringId && !coversSelf ? (people.get(t.coveringId) ?? null) : null,
    };
  });
  for (const turn of views) {
    const last = weekTurns[weekTurns.length - 1];
    if (last && last.person === turn.person && last.viaOverride === turn.viaOverride && last.covering === turn.covering && last.end.getTime() === turn.start.getTime()) last.end = turn.end;
    else weekTurns.push({ ...turn });
  }
  return weekMessage(name, weekTurns, clock);
}

/** Who is on chat duty now in every duty program; with a skill, who of them has it. */
async function answerDuty(db: Db, directory: Directory, typedSkill: string | null, now: Date): Promise<SlackMessage> {
  if (typedSkill !== null && !SKILL.test(typedSkill)) {
    return errorMessage(`“${typedSkill}” is not a skill: skills are one word, such as legal or french.`);
  }
  const skill = typedSkill?.toLowerCase() ?? null;
  const programs = await loadOnDutyNow(db, now);
  const zones = new Set(programs.map((p) => p.program.timeZone));
  const caller = callerZone(directory);
  const clock: AnswerClock = caller
    ? { zone: caller, zoneSource: "caller", now }
    : zones.size === 1
      ? { zone: programs[0]!.program.timeZone, zoneSource: "program", now }
      : { zone: "UTC", zoneSource: "utc", now };
  const answers: DutyProgramAnswer[] = programs.map(({ program, onDuty }) => ({
    programName: program.name,
    onDuty: onDuty.map((row) => ({ person: personView(row.person), until: row.endAt, hasSkill: skill !== null && row.person.skills.includes(skill) })),
  }));
  return dutyMessage(answers, skill, clock);
}

export function workspaceView(w: SlackWorkspace) {
  const { signingSecretSealed: _sealed, signingSecretInClear: _clear, ...rest } = w;
  return { ...rest, signingSecretSet: true };
}

/** Registers a Slack workspace and its signing secret (admins). The secret is stored sealed, never returned or audited; no key → secret_key_missing. */
export async function createWorkspace(ctx: ServiceContext, input: { slackTeamId: string; name: string; signingSecret: string; defaultScheduleId?: string | null | undefined }) {
  authorize(ctx.actor, "slack.workspace.manage", {});
  const box = requireSecretBox(ctx.secrets);
  const { signingSecret, ...fields } = input;
  return ctx.db.transaction(async (tx) => {
    const repo = createScheduleRepository(tx);
    if (input.defaultScheduleId && !(await repo.findById(input.defaultScheduleId))) {
      throw new DomainError("not_found", `No schedule with id ${input.defaultScheduleId}`, { field: "defaultScheduleId" });
    }
    if (await repo.workspaceBySlackTeam(input.slackTeamId)) throw new DomainError("conflict", "This Slack workspace is already connected", { field: "slackTeamId" });
    const row = await repo.insertWorkspace({ ...fields, signingSecretSealed: box.seal(signingSecret), defaultScheduleId: input.defaultScheduleId ?? null, createdAt: ctx.now, updatedAt: ctx.now });
    await audit(tx, ctx, { entity: "slack_workspace", entityId: row.id, action: "create", changes: { after: workspaceView(row) } });
    return workspaceView(row);
  });
}

export async function listWorkspaces(ctx: ServiceContext) {
  authorize(ctx.actor, "slack.workspace.manage", {});
  return { items: (await createScheduleRepository(ctx.db).listWorkspaces()).map(workspaceView) };
}
