import { pingDatabase, type Db } from "../db/client.ts";

/** Liveness: throws when the database does not answer (GET /healthz turns that into a 503). */
export async function checkHealth(db: Db): Promise<void> {
  await pingDatabase(db);
}
