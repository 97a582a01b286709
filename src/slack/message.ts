import { DateTime } from "luxon";

/**
 * Slash-command response bodies: https://api.slack.com/interactivity/slash-commands
 * (`response_type`, `text` as the notification fallback, Block Kit `blocks`).
 * Everything a user or admin typed (names, zones, the query) is escaped.
 * Instants are written in one zone with the weekday ("until Fri 09:00"): the
 * caller's when their Slack user is linked to a person, else the zone of what
 * they asked about; every answer says which zone it used.
 */
export interface OnCallPersonView {
  name: string;
  /** Slack member id ("U123", "W123" on Enterprise Grid); null when unknown. */
  chatUserId: string | null;
  timeZone: string;
}

/** How an answer writes times: in one zone, and why that one. `now` anchors "Fri 09:00" (this week) against full dates. */
export interface AnswerClock {
  zone: string;
  /** caller: the Slack user's zone in Rota; otherwise the zone of what was asked about (the caller is not linked to anyone). */
  zoneSource: "caller" | "schedule" | "team" | "program" | "utc";
  now: Date;
}

/** The time asked for with `at`, as resolved (see when.ts). */
export interface AskedTime {
  at: Date;
  date: string;
  time: string;
  adjusted: null | "gap" | "fold";
}

export interface OnCallAnswer {
  scheduleName: string;
  /** null: nobody is on call at the time asked (a gap). */
  current: {
    person: OnCallPersonView;
    /** null when the turn began before the computed window (only a lower bound is known). */
    since: Date | null;
    until: Date;
    viaOverride: boolean;
    /** Whom the override stands in for at the time asked; null for a layer turn or an override over a gap. */
    covering: OnCallPersonView | null;
  } | null;
  /** In a gap: when it ends (null: not within the look-ahead). */
  gapUntil: Date | null;
  /** null: nobody is scheduled after the current turn within the horizon looked at. */
  next: { person: OnCallPersonView; from: Date } | null;
}

/** One line of the week list: a turn (or a gap) clipped to start no earlier than now. */
export interface WeekTurn {
  person: OnCallPersonView | null;
  start: Date;
  end: Date;
  viaOverride: boolean;
  covering: OnCallPersonView | null;
}

export interface DutyProgramAnswer {
  programName: string;
  onDuty: { person: OnCallPersonView; until: Date; hasSkill: boolean }[];
}

export interface MrkdwnText {
  type: "mrkdwn";
  text: string;
}
export type SlackBlock = { type: "section"; text: MrkdwnText } | { type: "context"; elements: MrkdwnText[] };

export interface SlackMessage {
  response_type: "in_channel" | "ephemeral";
  /** Fallback for notifications and clients without Block Kit. */
  text: string;
  blocks: SlackBlock[];
}

const SECTION_TEXT_LIMIT = 3000;
const NAME_LIMIT = 100;
const HELP_NAME_LIMIT = 20;
const UNKNOWN_NAME_LIMIT = 10;
const LIST_LIMIT = 25;
const WEEK_LIMIT = 40;
const SLACK_MEMBER_ID = /^[UW][A-Z0-9]{2,}$/;

/** Slack's control characters in mrkdwn; only these three are entity-encoded. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Who is on call for one schedule: now (kind "now"), at the time asked (kind
 * "now" with `asked`), or who comes next (kind "next"). Times are written in
 * `clock.zone` with the weekday ("until Fri 09:00"); an override names whom
 * it covers ("Noy, covering Itamar until Fri 09:00").
 */
export function onCallMessage(answer: OnCallAnswer, kind: "now" | "next", clock: AnswerClock, asked?: AskedTime): SlackMessage {
  const schedule = `*${displayName(answer.scheduleName)}*`;
  const { current, next } = answer;
  const at = asked?.at ?? clock.now;
  const nextLine = next ? `Next: ${personLabel(next.person)} from ${timeText(next.from, clock)}${startInTheirZone(next.person, next.from, clock)}.` : "Nobody is scheduled next.";
  const footer = [...(asked ? [askedNote(asked, clock)] : []), zoneNote(clock)].filter((line) => line.length > 0);

  if (kind === "now") {
    const moment = asked ? `at ${timeText(asked.at, clock)}` : "now";
    if (!current) {
      const until = answer.gapUntil ? ` (until ${timeText(answer.gapUntil, clock)})` : "";
      return message("in_channel", [`Nobody is on call for ${schedule} ${moment}${until}.`], [nextLine, ...footer]);
    }
    const since = current.since ? ` (since ${timeText(current.since, clock)})` : "";
    const lead = asked ? `On call for ${schedule} ${moment}` : `Now on call for ${schedule}`;
    return message("in_channel", [`${lead}: ${turnLabel(current, at)} until ${timeText(current.until, clock)}${since}.`], [nextLine, ...footer]);
  }

  const currentLine = current ? `Now: ${turnLabel(current)} until ${timeText(current.until, clock)}.` : "Nobody is on call right now.";
  if (!next) return message("in_channel", [`Nobody is scheduled next for ${schedule}.`], [currentLine, ...footer]);
  return message(
    "in_channel",
    [`Next on call for ${schedule}: ${personLabel(next.person)} from ${timeText(next.from, clock)}${startInTheirZone(next.person, next.from, clock)}.`],
    [currentLine, ...footer],
  );
}

/** Several schedules at once (every schedule, or a team's): one line each. */
export function onCallListMessage(answers: readonly OnCallAnswer[], clock: AnswerClock, asked?: AskedTime): SlackMessage {
  const moment = asked ? `at ${timeText(asked.at, clock)}` : "now";
  const lines = answers.slice(0, LIST_LIMIT).map((answer) => {
    const schedule = `*${displayName(answer.scheduleName)}*`;
    if (!answer.current) return `• ${schedule}: nobody${answer.gapUntil ? ` until ${timeText(answer.gapUntil, clock)}` : ""}`;
    return `• ${schedule}: ${turnLabel(answer.current)} until ${timeText(answer.current.until, clock)}`;
  });
  if (answers.length > LIST_LIMIT) lines.push(`…and ${answers.length - LIST_LIMIT} more; ask for one by name.`);
  const footer = [...(asked ? [askedNote(asked, clock)] : []), zoneNote(clock)].filter((line) => line.length > 0);
  return message("in_channel", [`On call ${moment}:\n${lines.join("\n")}`], footer);
}

/** The next 7 days of one schedule as hand-offs: "• Tue 09:00 – Wed 09:00 *Noa*". Names, not mentions: nobody is pinged for a list. */
export function weekMessage(scheduleName: string, turns: readonly WeekTurn[], clock: AnswerClock): SlackMessage {
  const schedule = `*${displayName(scheduleName)}*`;
  const lines = turns.slice(0, WEEK_LIMIT).map((turn) => {
    const from = turn.start.getTime() <= clock.now.getTime() ? "now" : timeText(turn.start, clock);
    const who = turn.person ? `*${displayName(turn.person.name)}*${coveringText(turn)}` : "_nobody on call_";
    return `• ${from} – ${timeText(turn.end, clock)}  ${who}`;
  });
  if (turns.length > WEEK_LIMIT) lines.push(`…and ${turns.length - WEEK_LIMIT} more hand-offs.`);
  const body = lines.length > 0 ? lines.join("\n") : "Nothing is scheduled.";
  return message("in_channel", [`On call for ${schedule}, the next 7 days:\n${body}`], [zoneNote(clock)]);
}

/** Who is on chat duty now, per program; with `skill`, only those who have it (the others are named below). */
export function dutyMessage(programs: readonly DutyProgramAnswer[], skill: string | null, clock: AnswerClock): SlackMessage {
  if (programs.length === 0) return message("ephemeral", ["There is no duty program yet."], []);
  const tag = skill ? `*${displayName(skill)}*` : "";
  const lines: string[] = [];
  const without: string[] = [];
  for (const program of programs) {
    const shown = program.onDuty.filter((d) => !skill || d.hasSkill);
    if (skill) without.push(...program.onDuty.filter((d) => !d.hasSkill).map((d) => `*${displayName(d.person.name)}*`));
    if (shown.length === 0) continue;
    const people = shown.map((d) => `${personLabel(d.person)} until ${timeText(d.until, clock)}`).join(", ");
    lines.push(programs.length === 1 ? people : `• *${displayName(program.programName)}*: ${people}`);
  }
  const footer = [...(skill && without.length > 0 ? [`On duty without ${tag}: ${[...new Set(without)].join(", ")}.`] : []), zoneNote(clock)];
  if (lines.length === 0) {
    return message("in_channel", [skill ? `Nobody with ${tag} is on chat duty right now.` : "Nobody is on chat duty right now."], footer);
  }
  const title = programs.length === 1 ? `On chat duty now for *${displayName(programs[0]!.programName)}*` : "On chat duty now";
  return message("in_channel", [`${title}${skill ? ` with ${tag}` : ""}:${lines.length === 1 && programs.length === 1 ? " " : "\n"}${lines.join("\n")}`], footer);
}

/** Usage of the command (as Slack sent it, e.g. "/oncall") and the schedules and teams one can ask about. */
export function helpMessage(command: string, scheduleNames: readonly string[]): SlackMessage {
  const c = escapeMrkdwn(command.trim() || "/oncall");
  const name = "&lt;schedule or team&gt;";
  const usage = [
    `*How to use \`${c}\`*`,
    `\`${c}\` — who is on call now (the default schedule, or every schedule)`,
    `\`${c} ${name}\` — who is on call now for that schedule or team`,
    `\`${c} ${name} at &lt;time&gt;\` — who is on call then, in your time zone: ${TIME_FORMS}`,
    `\`${c} next\` or \`${c} ${name} next\` — who is on call next, and when the hand-off is`,
    `\`${c} ${name} week\` — the hand-offs of the next 7 days`,
    `\`${c} duty\` or \`${c} duty &lt;skill&gt;\` — who is on chat duty now (only those with the skill)`,
    `\`${c} help\` — this message`,
  ].join("\n");
  const names = scheduleNames.length > 0 ? `Schedules and teams: ${nameList(scheduleNames, HELP_NAME_LIMIT)}` : "There are no schedules or teams yet.";
  return message("ephemeral", [usage, names], []);
}

const TIME_FORMS = "`14:00`, `2pm`, `today 18:00`, `tomorrow 09:00`, `fri 09:00`, `2026-12-24 18:00`, `2026-12-24`";

/** The name asked for matches no schedule or team: suggest close names, or list what exists. */
export function unknownTargetMessage(query: string, suggestions: readonly string[], allNames: readonly string[], command = "/oncall"): SlackMessage {
  const asked = `No schedule or team called “${displayName(query)}”.`;
  const sections =
    suggestions.length > 0
      ? [`${asked} Did you mean ${orList(suggestions.slice(0, UNKNOWN_NAME_LIMIT).map((name) => `*${displayName(name)}*`))}?`]
      : [asked, allNames.length > 0 ? `Schedules and teams: ${nameList(allNames, UNKNOWN_NAME_LIMIT)}` : "There are no schedules or teams yet."];
  return message("ephemeral", sections, [usageHint(command)]);
}

/** The name asked for matches several schedules or teams: list them so the user can pick one. */
export function ambiguousTargetMessage(query: string, matches: readonly string[], command = "/oncall"): SlackMessage {
  const shown = `${orList(matches.slice(0, UNKNOWN_NAME_LIMIT).map((name) => `*${displayName(name)}*`))}${matches.length > UNKNOWN_NAME_LIMIT ? ` (and ${matches.length - UNKNOWN_NAME_LIMIT} more)` : ""}`;
  // Nothing typed (`/oncall next` without a default schedule): ask for a name.
  const question = query.trim() ? `“${displayName(query)}” could mean ${shown}. Which one?` : `Which schedule? Name one of ${shown}.`;
  return message("ephemeral", [question], [usageHint(command)]);
}

/** `at` followed by something that is not a time, or a date outside what Rota keeps. */
export function badTimeMessage(asked: string, command = "/oncall", reason: "unreadable" | "out_of_range" = "unreadable"): SlackMessage {
  const what = `“${displayName(asked)}”`;
  const why = !asked.trim() ? "`at` needs a time after it." : reason === "out_of_range" ? `${what} is outside the dates Rota keeps (1970–2199).` : `I could not read ${what} as a time.`;
  return message("ephemeral", [`${why} Try ${TIME_FORMS}.`], [usageHint(command)]);
}

/** The immediate reply when the answer will come later through the command's response_url. */
export function workingOnItMessage(): SlackMessage {
  return message("ephemeral", ["Working on it… the answer follows here in a moment."], []);
}

/** A failure shown only to the user who typed the command; `text` is plain text. */
export function errorMessage(text: string): SlackMessage {
  return message("ephemeral", [escapeMrkdwn(text)], []);
}

function message(responseType: SlackMessage["response_type"], sections: string[], context: string[]): SlackMessage {
  const blocks: SlackBlock[] = [
    ...sections.map((text): SlackBlock => ({ type: "section", text: { type: "mrkdwn", text: clip(text) } })),
    ...context.map((text): SlackBlock => ({ type: "context", elements: [{ type: "mrkdwn", text: clip(text) }] })),
  ];
  return { response_type: responseType, text: [...sections, ...context].join("\n"), blocks };
}

/** `<@U123> (Ana, detail)` when the Slack member is known (Slack renders and notifies), else `*Ana* (detail)`. */
function personLabel(person: OnCallPersonView, detail?: string): string {
  const name = displayName(person.name);
  const id = person.chatUserId?.trim() ?? "";
  // Only a well-formed member id goes inside <…>; anything else could smuggle
  // a <!channel> or a link into the message.
  if (SLACK_MEMBER_ID.test(id)) return `<@${id}> (${name}${detail ? `, ${detail}` : ""})`;
  return `*${name}*${detail ? ` (${detail})` : ""}`;
}

/** "09:14 in Europe/Lisbon": the wall clock in the person's zone, or nothing when the zone is unusable. */
function localTime(person: OnCallPersonView, at: Date, format: string): string | undefined {
  const local = DateTime.fromJSDate(at, { zone: person.timeZone }).setLocale("en-US");
  if (!local.isValid) return undefined;
  return `${local.toFormat(format)} in ${escapeMrkdwn(person.timeZone)}`;
}

/** The person on call with their local time, and whom an override has them cover. */
function turnLabel(turn: NonNullable<OnCallAnswer["current"]>, at?: Date): string {
  const detail = at ? localTime(turn.person, at, "HH:mm") : undefined;
  return `${personLabel(turn.person, detail)}${coveringText(turn)}`;
}

/** ", covering *Itamar*" (no mention: the covered person is away and is not pinged). */
function coveringText(turn: { viaOverride: boolean; covering: OnCallPersonView | null }): string {
  if (!turn.viaOverride) return "";
  return turn.covering ? `, covering *${displayName(turn.covering.name)}*` : ", covering a gap";
}

/** " (Tue 04:00 in America/New_York)" when the person's zone is not the one the answer is written in. */
function startInTheirZone(person: OnCallPersonView, from: Date, clock: AnswerClock): string {
  if (person.timeZone === clock.zone) return "";
  const local = localTime(person, from, "ccc HH:mm");
  return local ? ` (${local})` : "";
}

/**
 * An instant in the answer's zone: "Fri 09:00" within the coming week (today
 * included), else "Thu 24 Dec 18:00", with the year when it is not this year.
 */
export function timeText(instant: Date, clock: AnswerClock): string {
  const local = DateTime.fromJSDate(instant, { zone: clock.zone }).setLocale("en-US");
  const today = DateTime.fromJSDate(clock.now, { zone: clock.zone }).startOf("day");
  if (!local.isValid || !today.isValid) return instant.toISOString().replace(/:\d{2}\.\d{3}Z$/, "Z");
  const days = local.startOf("day").diff(today, "days").days;
  if (days >= 0 && days < 7) return local.toFormat("ccc HH:mm");
  return local.toFormat(local.year === today.year ? "ccc d LLL HH:mm" : "ccc d LLL yyyy HH:mm");
}

/** Which zone the times are in, and why that one. */
function zoneNote(clock: AnswerClock): string {
  const zone = escapeMrkdwn(clock.zone);
  if (clock.zoneSource === "caller") return `Times in ${zone}, your time zone in Rota.`;
  const whose = { schedule: "the schedule's time zone", team: "the team's time zone", program: "the duty program's time zone", utc: "UTC" }[clock.zoneSource];
  return `Times in ${clock.zoneSource === "utc" ? "UTC" : `${zone}, ${whose}`}: your Slack user is not linked to anyone in Rota (set your chat user id in your profile to see your own zone).`;
}

/** What `at` resolved to when the wall-clock time was not a plain one (SPEC §2). */
function askedNote(asked: AskedTime, clock: AnswerClock): string {
  const zone = escapeMrkdwn(clock.zone);
  if (asked.adjusted === "gap") return `${asked.time} does not exist in ${zone} on ${asked.date} (clocks go forward), so this is the answer for ${timeText(asked.at, clock)}, when the clocks change.`;
  if (asked.adjusted === "fold") return `${asked.time} happens twice in ${zone} on ${asked.date} (clocks go back); this is the first time, before the change.`;
  return "";
}

function usageHint(command: string): string {
  return `Type \`${escapeMrkdwn(command.trim() || "/oncall")} help\` for usage.`;
}

function displayName(name: string): string {
  const trimmed = name.trim().replace(/\s+/g, " ");
  const chars = Array.from(trimmed);
  return escapeMrkdwn(chars.length > NAME_LIMIT ? `${chars.slice(0, NAME_LIMIT - 1).join("")}…` : trimmed);
}

function nameList(names: readonly string[], limit: number): string {
  const shown = names.slice(0, limit).map(displayName).join(", ");
  return names.length > limit ? `${shown} and ${names.length - limit} more` : shown;
}

function orList(items: string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

/** Block Kit rejects section text over 3000 characters; never cut inside a `<…>` token or an `&…;` entity. */
function clip(text: string): string {
  if (text.length <= SECTION_TEXT_LIMIT) return text;
  let cut = text.slice(0, SECTION_TEXT_LIMIT - 1);
  const openToken = cut.lastIndexOf("<");
  if (openToken > cut.lastIndexOf(">")) cut = cut.slice(0, openToken);
  const openEntity = cut.lastIndexOf("&");
  if (openEntity > cut.lastIndexOf(";")) cut = cut.slice(0, openEntity);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…`;
}
