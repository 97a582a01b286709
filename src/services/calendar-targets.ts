import { createPrivateKey } from "node:crypto";
import type { PageRequest } from "../db/pagination.ts";
import { createCalendarTargetRepository, type CalendarTargetChanges } from "../db/repositories/calendar-targets.ts";
import type { CalendarTarget, FeedSubjectKind } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import type { GoogleCredentials } from "../calendar/google/client.ts";
import { audit } from "./audit.ts";
import { SUBJECT_COLUMN, calendarSubjectOf, publicationView, publishedSubjectFacts, type EventOptionsInput } from "./calendar-events.ts";
import type { ServiceContext } from "./context.ts";
import { authorize, checkVersion, notFound } from "./policy.ts";
import { requireSecretBox } from "./secrets.ts";

/*
 * Google Calendar sync targets (SPEC §3): a subject's events pushed into a
 * Google calendar. The credentials are sealed with ROTA_SECRET_KEY before
 * they are stored (no key, no target: 503 secret_key_missing) and are never
 * returned, audited or logged: the API shows only their non-secret part
 * (the service account's email, the OAuth client id). Syncs are asked for
 * through the calendar outbox, so whichever worker runs picks them up.
 */

export type CredentialsInput =
  | { kind: "service_account"; serviceAccountKey: Record<string, unknown>; delegatedUser?: string | undefined }
  | { kind: "oauth"; clientId: string; clientSecret: string; refreshToken: string };

export interface TargetInput extends EventOptionsInput {
  name?: string | undefined;
  subject: { kind: FeedSubjectKind; id: string };
  calendarId: string;
  credentials: CredentialsInput;
}

export interface TargetPatch extends EventOptionsInput {
  name?: string | undefined;
  credentials?: CredentialsInput | undefined;
}

export function targetView(t: CalendarTarget) {
  return {
    id: t.id,
    name: t.name,
    ownerId: t.ownerId,
    ...publicationView(t),
    calendarId: t.calendarId,
    credentials:
      t.credentialKind === "service_account"
        ? { kind: t.credentialKind, clientEmail: t.credentialHint, delegatedUser: t.delegatedUser }
        : { kind: t.credentialKind, clientId: t.credentialHint },
    status: t.status,
    lastSyncedAt: t.lastSyncedAt,
    lastAttemptAt: t.lastAttemptAt,
    lastError: t.lastError,
    failures: t.failures,
    eventsInSync: t.eventsInSync,
    lastReconciledAt: t.lastReconciledAt,
    version: t.version,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
}

const invalid = (field: string, message: string) => new DomainError("invalid_calendar_target", message, { field });

/** The credentials as the sync needs them, checked as far as can be without calling Google; the non-secret hint. */
function credentialsOf(input: CredentialsInput): { credentials: GoogleCredentials; hint: string; delegatedUser: string | null } {
  if (input.kind === "oauth") {
    return { credentials: { kind: "oauth", clientId: input.clientId, clientSecret: input.clientSecret, refreshToken: input.refreshToken }, hint: input.clientId, delegatedUser: null };
  }
  const key = input.serviceAccountKey;
  const field = "credentials.serviceAccountKey";
  if (key.type !== "service_account") throw invalid(`${field}.type`, 'Not a service account key: its "type" must be "service_account" (download a JSON key from the Google Cloud console)');
  const email = key.client_email;
  if (typeof email !== "string" || !/^[^\s@]+@[^\s@]+$/.test(email)) throw invalid(`${field}.client_email`, "The key has no client_email");
  const privateKey = key.private_key;
  if (typeof privateKey !== "string") throw invalid(`${field}.private_key`, "The key has no private_key");
  try {
    createPrivateKey(privateKey);
  } catch {
    throw invalid(`${field}.private_key`, "The key's private_key is not a PEM private key");
  }
  const delegatedUser = input.delegatedUser ?? null;
  return { credentials: { kind: "service_account", clientEmail: email, privateKey, delegatedUser }, hint: email, delegatedUser };
}

function optionsOf(input: EventOptionsInput, subjectKind: FeedSubjectKind): CalendarTargetChanges {
  if (input.includeTimeOff && subjectKind !== "person") throw invalid("includeTimeOff", "Only a person's calendar can include time off");
  const out: CalendarTargetChanges = {};
  for (const key of ["includeTimeOff", "includeGaps", "includeFreeSeats", "includeCoworkers", "showAsFree", "pastDays", "futureDays"] as const) {
    if (input[key] !== undefined) (out as Record<string, unknown>)[key] = input[key];
  }
  return out;
}

/** Creates a target and asks for its first sync; 503 secret_key_missing when the server cannot seal the credentials. */
export async function createCalendarTarget(ctx: ServiceContext, input: TargetInput) {
  const { facts, name } = await calendarSubjectOf(ctx.db, input.subject);
  authorize(ctx.actor, "calendarTarget.create", { subject: facts });
  const box = requireSecretBox(ctx.secrets);
  const { credentials, hint, delegatedUser } = credentialsOf(input.credentials);
  const options = optionsOf(input, input.subject.kind);
  return ctx.db.transaction(async (tx) => {
    const repo = createCalendarTargetRepository(tx);
    const target = await repo.insert({
      ownerId: ctx.actor.personId,
      name: input.name ?? name,
      subjectKind: input.subject.kind,
      [SUBJECT_COLUMN[input.subject.kind]]: input.subject.id,
      calendarId: input.calendarId,
      credentialKind: credentials.kind,
      credentialsSealed: box.seal(JSON.stringify(credentials)),
      credentialHint: hint,
      delegatedUser,
      ...options,
      createdAt: ctx.now,
      updatedAt: ctx.now,
    });
    await repo.requestSync([target.id], "target_created", ctx.now);
    await audit(tx, ctx, { entity: "calendar_target", entityId: target.id, action: "create", changes: { after: targetView(target) } });
    return targetView(target);
  });
}

async function managed(ctx: ServiceContext, id: string): Promise<CalendarTarget> {
  const target = await createCalendarTargetRepository(ctx.db).findById(id);
  if (!target) throw notFound("calendar target", id);
  authorize(ctx.actor, "calendarTarget.manage", { ownerId: target.ownerId, subject: await publishedSubjectFacts(ctx.db, target) });
  return target;
}

export async function getCalendarTarget(ctx: ServiceContext, id: string) {
  return targetView(await managed(ctx, id));
}

export async function listCalendarTargets(ctx: ServiceContext, page: PageRequest) {
  const visibility = ctx.actor.role === "admin" ? { all: true as const } : { all: false as const, personId: ctx.actor.personId, ledTeamIds: ctx.actor.role === "lead" ? ctx.actor.ledTeamIds : [] };
  const result = await createCalendarTargetRepository(ctx.db).list(visibility, page);
  return { ...result, items: result.items.map(targetView) };
}

/** Changes the name, options or credentials (If-Match); any change resyncs. The calendar id is fixed: make a new target to move. */
export async function updateCalendarTarget(ctx: ServiceContext, id: string, patch: TargetPatch, ifMatch?: readonly number[]) {
  return ctx.db.transaction(async (tx) => {
    const before = await managed({ ...ctx, db: tx }, id);
    checkVersion("calendar target", before.version, ifMatch);
    if (before.status === "removing") throw new DomainError("conflict", "This target is being removed");
    const changes: CalendarTargetChanges = { ...optionsOf({ includeTimeOff: before.includeTimeOff, ...patch }, before.subjectKind) };
    if (patch.name !== undefined) changes.name = patch.name;
    if (patch.credentials) {
      const box = requireSecretBox(ctx.secrets);
      const { credentials, hint, delegatedUser } = credentialsOf(patch.credentials);
      Object.assign(changes, { credentialKind: credentials.kind, credentialsSealed: box.seal(JSON.stringify(credentials)), credentialHint: hint, delegatedUser });
      // New credentials: start afresh (a failure from the old ones no longer says anything).
      Object.assign(changes, { status: "pending", lastError: null, failures: 0, syncToken: null, lastReconciledAt: null });
    }
    const repo = createCalendarTargetRepository(tx);
    const after = (await repo.update(id, changes, ctx.now))!;
    await repo.requestSync([id], "target_updated", ctx.now);
    await audit(tx, ctx, { entity: "calendar_target", entityId: id, action: "update", changes: { before: targetView(before), after: targetView(after) } });
    return targetView(after);
  });
}

/**
 * Syncs now, with a reconcile (events edited or deleted by hand are
 * repaired): also how a target that failed, or whose job went to the
 * dead-letter queue, is tried again.
 */
export async function requestCalendarSync(ctx: ServiceContext, id: string) {
  return ctx.db.transaction(async (tx) => {
    const target = await managed({ ...ctx, db: tx }, id);
    if (target.status === "removing") throw new DomainError("conflict", "This target is being removed");
    const repo = createCalendarTargetRepository(tx);
    await repo.setSyncState(id, { lastReconciledAt: null, ...(target.status === "failed" ? { status: "retrying" as const } : {}) });
    await repo.requestSync([id], "sync_requested", ctx.now);
    return targetView((await repo.findById(id))!);
  });
}

/**
 * Removes a target. By default Rota first deletes its events from the
 * calendar (only those it tagged; the owner's own stay) and the target is
 * gone when that is done: 202 with status `removing`. `keepEvents` forgets
 * the target at once and leaves the calendar as it is (for a calendar Rota
 * can no longer reach).
 */
export async function removeCalendarTarget(ctx: ServiceContext, id: string, keepEvents: boolean): Promise<ReturnType<typeof targetView> | null> {
  return ctx.db.transaction(async (tx) => {
    const target = await managed({ ...ctx, db: tx }, id);
    const repo = createCalendarTargetRepository(tx);
    await audit(tx, ctx, { entity: "calendar_target", entityId: id, action: "delete", changes: { before: targetView(target), after: { keepEvents } } });
    if (keepEvents) {
      await repo.delete(id);
      return null;
    }
    await repo.setSyncState(id, { status: "removing", lastError: null });
    await repo.requestSync([id], "target_removed", ctx.now);
    return targetView((await repo.findById(id))!);
  });
}
