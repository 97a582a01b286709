import type { Db } from "../db/client.ts";
import type { Person, PersonRole } from "../db/schema/index.ts";
import type { SecretBox } from "./secrets.ts";

/** Who is calling: resolved once per request by the auth plugin. */
export interface Actor {
  personId: string;
  role: PersonRole;
  /** Teams where this person has the lead flag (only effective when role is lead or admin). */
  ledTeamIds: readonly string[];
  tokenId: string;
  /** The caller's row as authentication read it with the token (same query): `GET /v1/me` answers from it. */
  person?: Person | undefined;
}

/** Everything a use case needs: the database, the caller, the request id, the time and the secret box. */
export interface ServiceContext {
  db: Db;
  actor: Actor;
  requestId: string;
  now: Date;
  /** Seals and opens stored secrets (ROTA_SECRET_KEY); absent when the server has no key. */
  secrets?: SecretBox | undefined;
}
