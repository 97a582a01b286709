import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";
import { chunks } from "../db/sql.ts";
import { people, signInLinks } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { audit, auditMany } from "./audit.ts";
import type { ServiceContext } from "./context.ts";
import { personFacts } from "./facts.ts";
import { authorize, notFound } from "./policy.ts";
import { issueToken, publicToken, revokeToken } from "./tokens.ts";

/*
 * Signing in to the web app. An admin or a lead makes a one-time link for a
 * person (valid 24 hours); opening it exchanges the link's secret for an API
 * token the browser keeps. The secret travels in the URL's fragment
 * (`/sign-in#rotalink_…`), which browsers never send to a server, so it is in
 * no access log. This is the seam where SSO would come in: anything that can
 * vouch for a person ends by calling `issueToken`.
 */

export const SIGN_IN_LINK_PREFIX = "rotalink_";
const LINK = /^rotalink_[A-Za-z0-9_-]{43}$/;
export const SIGN_IN_LINK_TTL_MS = 24 * 60 * 60 * 1000;

const hash = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");

/** A new link's secret and expiry; the caller builds the URL around the secret. */
export async function createSignInLink(ctx: ServiceContext, personId: string) {
  const person = await createPeopleRepository(ctx.db).findById(personId);
  if (!person) throw notFound("person", personId);
  authorize(ctx.actor, "person.signInLink", { person: await personFacts(ctx.db, person) });
  if (!person.active) throw new DomainError("person_inactive", "A deactivated person cannot sign in");
  return ctx.db.transaction(async (tx) => (await mintSignInLinks(tx, ctx, [personId]))[0]!);
}

/**
 * New links for people the caller has already been allowed to make them for
 * ("person.signInLink"), in the caller's transaction with their audit
 * entries: one statement for any number (a batch import's new people).
 */
export async function mintSignInLinks(tx: Db, ctx: ServiceContext, personIds: readonly string[]) {
  if (personIds.length === 0) return [];
  const expiresAt = new Date(ctx.now.getTime() + SIGN_IN_LINK_TTL_MS);
  // One link per person: the secret is found again by person, whatever order RETURNING gives.
  const secrets = new Map(personIds.map((personId) => [personId, SIGN_IN_LINK_PREFIX + randomBytes(32).toString("base64url")]));
  const rows = [...secrets].map(([personId, secret]) => ({ personId, createdBy: ctx.actor.personId, tokenHash: hash(secret), createdAt: ctx.now, expiresAt }));
  const links: { id: string; personId: string }[] = [];
  for (const chunk of chunks(rows)) links.push(...(await tx.insert(signInLinks).values(chunk).returning({ id: signInLinks.id, personId: signInLinks.personId })));
  await auditMany(
    tx,
    ctx,
    links.map((link) => ({ entity: "sign_in_link", entityId: link.id, action: "create", changes: { after: { personId: link.personId, expiresAt: expiresAt.toISOString() } } })),
  );
  return links.map((link) => ({ id: link.id, personId: link.personId, expiresAt, secret: secrets.get(link.personId)! }));
}

/**
 * Exchanges a link for an API token, once: the link is marked used in the
 * same statement that checks it is unused and unexpired, so two tabs opening
 * it at once get one token between them. Unknown, used and expired links are
 * the same 401.
 */
export async function exchangeSignInLink(db: Db, secret: string, now: Date) {
  const refused = () => new DomainError("invalid_sign_in_link", "This sign-in link is unknown, already used or expired: ask your lead or an admin for a new one");
  if (!LINK.test(secret)) throw refused();
  return db.transaction(async (tx) => {
    const [link] = await tx
      .update(signInLinks)
      .set({ usedAt: now })
      .where(and(eq(signInLinks.tokenHash, hash(secret)), isNull(signInLinks.usedAt), gt(signInLinks.expiresAt, now)))
      .returning();
    if (!link) throw refused();
    const [person] = await tx.select({ active: people.active, name: people.name }).from(people).where(eq(people.id, link.personId));
    if (!person?.active) throw refused();
    const { secret: token, row } = await issueToken(tx, link.personId, `Web sign-in ${now.toISOString().slice(0, 10)}`, now);
    await tx.update(signInLinks).set({ tokenId: row.id }).where(eq(signInLinks.id, link.id));
    await audit(tx, { actor: null, requestId: null, now }, { entity: "api_token", entityId: row.id, action: "create", changes: { after: { ...publicToken(row), signInLinkId: link.id } } });
    return { ...publicToken(row), token };
  });
}

/** Signs out: revokes the token the request came with. */
export async function signOut(ctx: ServiceContext) {
  return revokeToken(ctx, ctx.actor.tokenId);
}
