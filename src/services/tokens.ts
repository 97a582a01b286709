import { createHash, randomBytes } from "node:crypto";
import type { Db } from "../db/client.ts";
import { InvalidatedCache, type ChangeFeed } from "../db/changes.ts";
import type { PageRequest } from "../db/pagination.ts";
import { createTokenRepository } from "../db/repositories/tokens.ts";
import type { ApiToken } from "../db/schema/index.ts";
import { DomainError } from "../domain/errors.ts";
import { audit } from "./audit.ts";
import type { Actor, ServiceContext } from "./context.ts";
import { authorize, can, notFound } from "./policy.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";

export const TOKEN_PREFIX = "rota_";
/** How stale `lastUsedAt` may get before a request writes it: one write a minute per token, not one per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** 256 random bits, base64url, behind a readable prefix so leaked tokens are easy to grep for. */
export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString("base64url");
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The first characters, stored in clear so people can tell their tokens apart. */
export function displayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}

export function publicToken(token: ApiToken) {
  const { tokenHash: _hash, ...rest } = token;
  return rest;
}

/** Resolves a bearer token to the caller, or undefined for an unknown, revoked or deactivated one. */
type FoundActor = NonNullable<Awaited<ReturnType<ReturnType<typeof createTokenRepository>["findActorByHash"]>>>;

/**
 * Callers by token hash, kept in memory while nothing about tokens, people
 * or lead flags changes (the database's NOTIFY rota_changes drops it whole on
 * every instance): a signed-in request then costs no database round trip,
 * but for the last-use touch about once a minute per token.
 */
export class ActorCache {
  readonly entries: InvalidatedCache<string, FoundActor>;
  constructor(feed: ChangeFeed | undefined) {
    this.entries = new InvalidatedCache(feed, ["auth", "people"]);
  }
}

export async function authenticate(db: Db, token: string, now: Date, cache?: ActorCache): Promise<Actor | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 256) return undefined;
  const tokens = createTokenRepository(db);
  const hash = hashToken(token);
  // Unknown tokens are not cached: a miss is always asked again.
  const found = cache ? await cache.entries.through(hash, async () => (await tokens.findActorByHash(hash)) as FoundActor) : await tokens.findActorByHash(hash);
  if (!found) return undefined;
  if (!found.lastUsedAt || now.getTime() - found.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    found.lastUsedAt = now;
    await tokens.touch(found.tokenId, now);
  }
  return { personId: found.person.id, role: found.person.role, ledTeamIds: found.ledTeamIds, tokenId: found.tokenId, person: found.person };
}

/** Inserts a token for a person and returns the secret (shown once) with the stored row. */
export async function issueToken(tx: Db, personId: string, name: string, now: Date, secret = generateToken()) {
  const row = await createTokenRepository(tx).insert({
    personId,
    name,
    prefix: displayPrefix(secret),
    tokenHash: hashToken(secret),
    createdAt: now,
  });
  return { secret, row };
}

export async function createToken(ctx: ServiceContext, input: { name: string; personId?: string | undefined }) {
  const personId = input.personId ?? ctx.actor.personId;
  authorize(ctx.actor, "token.manage", { ownerId: personId });
  return ctx.db.transaction(async (tx) => {
    const person = await createPeopleRepository(tx).findById(personId);
    if (!person) throw new DomainError("not_found", `No person with id ${personId}`, { field: "personId" });
    if (!person.active) throw new DomainError("person_inactive", "Tokens cannot be issued to a deactivated person", { field: "personId" });
    const { secret, row } = await issueToken(tx, personId, input.name, ctx.now);
    await audit(tx, ctx, { entity: "api_token", entityId: row.id, action: "create", changes: { after: publicToken(row) } });
    return { ...publicToken(row), token: secret };
  });
}

export async function listTokens(ctx: ServiceContext, personId: string | undefined, page: PageRequest) {
  const owner = personId ?? ctx.actor.personId;
  authorize(ctx.actor, "token.manage", { ownerId: owner });
  const result = await createTokenRepository(ctx.db).listForPerson(owner, page);
  return { ...result, items: result.items.map(publicToken) };
}

export async function revokeToken(ctx: ServiceContext, tokenId: string) {
  return ctx.db.transaction(async (tx) => {
    const tokens = createTokenRepository(tx);
    const existing = await tokens.findById(tokenId);
    // Someone else's token is reported as absent rather than forbidden: its id is not theirs to probe.
    if (!existing || !can(ctx.actor, "token.manage", { ownerId: existing.personId })) throw notFound("token", tokenId);
    const revoked = (await tokens.revoke(tokenId, ctx.now)) ?? existing;
    if (!existing.revokedAt) {
      await audit(tx, ctx, { entity: "api_token", entityId: tokenId, action: "revoke", changes: { revokedAt: { from: null, to: ctx.now.toISOString() } } });
    }
    return publicToken(revoked);
  });
}
