import { sql } from "drizzle-orm";
import type { Db } from "../db/client.ts";
import { createPeopleRepository } from "../db/repositories/people.ts";
import { audit } from "./audit.ts";
import { issueToken, publicToken } from "./tokens.ts";

/** Arbitrary, fixed: two instances starting on an empty database create one admin, not two. */
const BOOTSTRAP_LOCK_KEY = 7_202_612;

export interface BootstrapResult {
  personId: string;
  email: string;
  /** The admin token, to be shown once. */
  token: string;
  /** True when the token was generated (so it must be printed); false when it came from ROTA_BOOTSTRAP_TOKEN. */
  generated: boolean;
}

/**
 * On an empty database, creates the first admin and their token. Returns
 * undefined when anybody exists already: bootstrap never runs twice.
 */
export async function bootstrapAdmin(
  db: Db,
  options: { token?: string | undefined; email: string; now: Date },
): Promise<BootstrapResult | undefined> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${BOOTSTRAP_LOCK_KEY})`);
    const people = createPeopleRepository(tx);
    if (!(await people.isEmpty())) return undefined;
    const person = await people.insert({
      name: "Admin",
      email: options.email,
      timeZone: "UTC",
      role: "admin",
      createdAt: options.now,
      updatedAt: options.now,
    });
    const { secret, row } = await issueToken(tx, person.id, "bootstrap", options.now, options.token);
    const ctx = { actor: null, requestId: null, now: options.now };
    await audit(tx, ctx, { entity: "person", entityId: person.id, action: "bootstrap", changes: { after: person } });
    await audit(tx, ctx, { entity: "api_token", entityId: row.id, action: "create", changes: { after: publicToken(row) } });
    return { personId: person.id, email: person.email, token: secret, generated: options.token === undefined };
  });
}
