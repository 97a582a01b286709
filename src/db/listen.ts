import type { PGlite } from "@electric-sql/pglite";
import type pg from "pg";
import type { DbHandle } from "./client.ts";

export interface ListenLog {
  error(obj: object, msg?: string): void;
}

/**
 * Calls `onNotify(payload)` on every NOTIFY on `channel`, and `onReady` each
 * time the listener (re)connects: whatever changed while nobody listened must
 * be assumed changed. Resolves to a function that stops listening.
 *
 * PGlite delivers notifications in process. On PostgreSQL one connection of
 * the pool is kept for LISTEN and re-made a second after it drops; until then
 * `onLost` says nothing is heard.
 */
export async function listenTo(
  handle: DbHandle,
  channel: string,
  handlers: { onNotify(payload: string): void; onReady(): void; onLost?(): void },
  log: ListenLog,
): Promise<() => Promise<void>> {
  if (!/^[a-z_]+$/.test(channel)) throw new Error(`Not a channel name: ${channel}`);
  if (handle.kind === "pglite") {
    const unlisten = await (handle.driver as PGlite).listen(channel, (payload) => handlers.onNotify(payload));
    handlers.onReady();
    return unlisten;
  }
  const pool = handle.driver as pg.Pool;
  let client: pg.PoolClient | undefined;
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async () => {
    try {
      const c = await pool.connect();
      c.on("notification", (msg) => msg.channel === channel && handlers.onNotify(msg.payload ?? ""));
      c.on("error", () => {
        // A connection already handed back (stopped) is the pool's to deal with.
        if (client !== c) return;
        client = undefined;
        handlers.onLost?.();
        c.release(true);
        if (!stopped) retry = setTimeout(() => void connect(), 1000);
      });
      await c.query(`LISTEN ${channel}`);
      client = c;
      handlers.onReady();
    } catch (err) {
      handlers.onLost?.();
      log.error({ err, channel }, "listener could not connect; retrying");
      if (!stopped) retry = setTimeout(() => void connect(), 1000);
    }
  };
  await connect();
  return async () => {
    stopped = true;
    clearTimeout(retry);
    handlers.onLost?.();
    const c = client;
    client = undefined;
    if (c) {
      await c.query(`UNLISTEN ${channel}`).catch(() => {});
      c.release();
    }
  };
}
