import type { Db } from "../db/client.ts";
import type { PersonRole } from "../db/schema/index.ts";

/** Who is calling: resolved once per request by the auth plugin. */
export interface Actor {
  personId: string;
  role: PersonRole;
  /** Teams where this person has the lead flag (only effective when role is lead or admin). */
  ledTeamIds: readonly string[];
  tokenId: string;
}

/** Everything a use case needs: the database, the caller, the request id and the time. */
export interface ServiceContext {
  db: Db;
  actor: Actor;
  requestId: string;
  now: Date;
}
