import { DateTime } from "luxon";

/**
 * Slash-command response bodies: https://api.slack.com/interactivity/slash-commands
 * (`response_type`, `text` as the notification fallback, Block Kit `blocks`).
 * Everything a user or admin typed (names, zones, the query) is escaped;
 * instants are Slack date tokens so each reader sees them in their own zone.
 */
export interface OnCallPersonView {
  name: string;
  /** Slack member id ("U123", "W123" on Enterprise Grid); null when unknown. */
  chatUserId: string | null;
  timeZone: string;
}

export interface OnCallAnswer {
  scheduleName: string;
  /** null: nobody is on call right now (a gap). */
  current: { person: OnCallPersonView; since: Date; until: Date; viaOverride: boolean } | null;
  /** null: nobody is scheduled after the current shift within the horizon looked at. */
  next: { person: OnCallPersonView; from: Date } | null;
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
const SLACK_MEMBER_ID = /^[UW][A-Z0-9]{2,}$/;

/** Slack's control characters in mrkdwn; only these three are entity-encoded. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** "Now on call" (kind "now") or "next on call" (kind "next") for one schedule or team. */
export function onCallMessage(answer: OnCallAnswer, kind: "now" | "next", now: Date): SlackMessage {
  const schedule = `*${displayName(answer.scheduleName)}*`;
  const { current, next } = answer;
  const nextLine = next
    ? `Next: ${personLabel(next.person)} from ${slackDate(next.from)}${startInTheirZone(next.person, next.from)}.`
    : "Nobody is scheduled next.";

  if (kind === "now") {
    if (!current) return message("in_channel", [`Nobody is on call for ${schedule} right now.`], [nextLine]);
    const override = current.viaOverride ? ", covering via override," : "";
    const detail = localTime(current.person, now, "HH:mm");
    return message(
      "in_channel",
      [`Now on call for ${schedule}: ${personLabel(current.person, detail)}${override} since ${slackDate(current.since)}, until ${slackDate(current.until)}.`],
      [nextLine],
    );
  }

  const currentLine = current
    ? `Now: ${personLabel(current.person)}${current.viaOverride ? ", covering via override," : ""} until ${slackDate(current.until)}.`
    : "Nobody is on call right now.";
  if (!next) return message("in_channel", [`Nobody is scheduled next for ${schedule}.`], [currentLine]);
  return message(
    "in_channel",
    [`Next on call for ${schedule}: ${personLabel(next.person)} from ${slackDate(next.from)}${startInTheirZone(next.person, next.from)}.`],
    [currentLine],
  );
}

/** Usage of the command (as Slack sent it, e.g. "/oncall") and the schedules and teams one can ask about. */
export function helpMessage(command: string, scheduleNames: readonly string[]): SlackMessage {
  const c = escapeMrkdwn(command.trim() || "/oncall");
  const usage = [
    `*How to use \`${c}\`*`,
    `\`${c}\` — who is on call now for the default schedule`,
    `\`${c} &lt;schedule or team&gt;\` — who is on call now for that schedule or team`,
    `\`${c} next\` or \`${c} next &lt;schedule or team&gt;\` — who is on call next`,
    `\`${c} help\` — this message`,
  ].join("\n");
  const names = scheduleNames.length > 0 ? `Schedules and teams: ${nameList(scheduleNames, HELP_NAME_LIMIT)}` : "There are no schedules or teams yet.";
  return message("ephemeral", [usage, names], []);
}

/** The name asked for matches no schedule or team: suggest close names, or list what exists. */
export function unknownTargetMessage(query: string, suggestions: readonly string[], allNames: readonly string[], command = "/oncall"): SlackMessage {
  const asked = `No schedule or team called “${displayName(query)}”.`;
  const sections =
    suggestions.length > 0
      ? [`${asked} Did you mean ${orList(suggestions.slice(0, UNKNOWN_NAME_LIMIT).map((name) => `*${displayName(name)}*`))}?`]
      : [asked, allNames.length > 0 ? `Schedules and teams: ${nameList(allNames, UNKNOWN_NAME_LIMIT)}` : "There are no schedules or teams yet."];
  return message("ephemeral", sections, [`Type \`${escapeMrkdwn(command.trim() || "/oncall")} help\` for usage.`]);
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

function startInTheirZone(person: OnCallPersonView, from: Date): string {
  const local = localTime(person, from, "ccc HH:mm");
  return local ? ` (${local})` : "";
}

/** A Slack date token: each reader sees the instant in their own zone; the fallback is UTC ISO 8601. */
function slackDate(instant: Date): string {
  const seconds = Math.floor(instant.getTime() / 1000);
  const fallback = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  return `<!date^${seconds}^{date_short_pretty} {time}|${fallback}>`;
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
