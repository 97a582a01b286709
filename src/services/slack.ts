import { createScheduleRepository } from "../db/repositories/schedules.ts";
import { createTeamRepository } from "../db/repositories/teams.ts";
import type { Db } from "../db/client.ts";
import type { SlackWorkspace } from "../db/schema/index.ts";
import { closestNames, parseOnCallText } from "../slack/command.ts";
import { errorMessage, helpMessage, onCallMessage, unknownTargetMessage, type OnCallAnswer, type SlackMessage } from "../slack/message.ts";
import { verifySlackSignature, type SignatureCheck } from "../slack/signature.ts";
import { DomainError } from "../domain/errors.ts";
import { audit } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { onCallLookup, type OnCallCache } from "./oncall.ts";
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

/** Answers `/oncall [help | next | <schedule or team> | next <name>]` in Slack's message format. */
export async function answerOnCallCommand(db: Db, cache: OnCallCache, workspace: SlackWorkspace, form: URLSearchParams, now: Date): Promise<SlackMessage> {
  const commandName = form.get("command") || "/oncall";
  const command = parseOnCallText(form.get("text") ?? "");
  const repo = createScheduleRepository(db);
  const heads = await repo.heads({});
  const scheduleNames = heads.map((h) => h.name);
  if (command.kind === "help") return helpMessage(commandName, scheduleNames);

  let scheduleId: string | undefined;
  if (command.target === null) {
    scheduleId = workspace.defaultScheduleId ?? (heads.length === 1 ? heads[0]!.id : undefined);
    if (!scheduleId) return helpMessage(commandName, scheduleNames);
  } else {
    const wanted = command.target.toLowerCase();
    scheduleId = heads.find((h) => h.name.toLowerCase() === wanted)?.id;
    if (!scheduleId) {
      const teams = (await createTeamRepository(db).list({ q: command.target }, { limit: 50 })).items;
      const team = teams.find((t) => t.name.toLowerCase() === wanted);
      scheduleId = team ? heads.find((h) => h.teamId === team.id)?.id : undefined;
    }
    if (!scheduleId) {
      const teamNames = (await createTeamRepository(db).list({}, { limit: 200 })).items.map((t) => t.name);
      const names = [...new Set([...scheduleNames, ...teamNames])];
      return unknownTargetMessage(command.target, closestNames(command.target, names), scheduleNames, commandName);
    }
  }

  const { items } = await onCallLookup(db, cache, { schedule: scheduleId, at: now });
  const item = items[0];
  if (!item) return errorMessage("That schedule could not be read; try again.");
  const answer: OnCallAnswer = {
    scheduleName: item.schedule.name,
    current: item.current
      ? {
          person: { name: item.current.person.name, chatUserId: item.current.person.chatUserId, timeZone: item.current.person.timeZone },
          since: item.current.since,
          until: item.current.until,
          viaOverride: item.current.source === "override",
        }
      : null,
    next: item.next?.person ? { person: { name: item.next.person.name, chatUserId: item.next.person.chatUserId, timeZone: item.next.person.timeZone }, from: item.next.from } : null,
  };
  return onCallMessage(answer, command.kind, now);
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
