import { createHash } from "node:crypto";
import type { FastifyReply, FastifyRequest } from "fastify";
import { DomainError } from "../domain/errors.ts";

/** Strong ETag from the row's version column. */
export function etagOf(version: number): string {
  return `"v${version}"`;
}

export function withEtag<T extends { version: number }>(reply: FastifyReply, entity: T): T {
  reply.header("etag", etagOf(entity.version));
  return entity;
}

/**
 * Versions named by If-Match, or undefined when the header is absent or `*`
 * (update whatever is there). A header naming no version of ours is a 412.
 */
export function ifMatchVersions(request: FastifyRequest): number[] | undefined {
  const header = request.headers["if-match"];
  if (header === undefined || header.trim() === "*") return undefined;
  const versions = header
    .split(",")
    .map((tag) => /^\s*(?:W\/)?"v(\d{1,9})"\s*$/.exec(tag)?.[1])
    .filter((v): v is string => v !== undefined)
    .map(Number);
  if (versions.length === 0) {
    throw new DomainError("precondition_failed", `If-Match ${header} names no version of this resource; send the ETag you received`);
  }
  return versions;
}

/** If-None-Match: a list of entity tags or `*`; weak tags compare equal to strong ones (RFC 9110 §13.1.2). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === "*") return true;
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === bare);
}

/** A weak ETag from what a read answers (its JSON), for reads polled by clients: a 304 when unchanged. */
export function contentEtag(body: unknown): string {
  return `W/"${createHash("sha256").update(JSON.stringify(body)).digest("base64url").slice(0, 27)}"`;
}
