import type { DbHandle } from "./client.ts";
import { listenTo, type ListenLog } from "./listen.ts";

/** What a NOTIFY rota_changes says changed (drizzle/0015_cache_invalidation.sql). */
export type ChangeKind = "auth" | "people" | "schedules" | "feeds" | "calendars";
export const CHANGES_CHANNEL = "rota_changes";
/** The calendar outbox's wake-up (drizzle/0012): anything a calendar shows changed. */
const CALENDARS_CHANNEL = "rota_calendar";
const KINDS: readonly string[] = ["auth", "people", "schedules", "feeds"];

/**
 * What invalidates the hot paths' in-memory caches, across instances: the
 * database's NOTIFY rota_changes (sent by triggers at commit). `live` is true
 * only while the listener is connected; caches serve nothing otherwise, and
 * every (re)connection flushes them whole, since anything may have changed
 * while nobody listened.
 */
export class ChangeFeed {
  #ready = new Set<string>();
  #live = false;
  readonly #listeners = new Set<(kind: ChangeKind | "all") => void>();
  #stops: (() => Promise<void>)[] = [];

  get live(): boolean {
    return this.#live;
  }

  /** `listener` hears every change; returns a function that stops it. */
  subscribe(listener: (kind: ChangeKind | "all") => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Tells every listener (also what a same-instance write may use to be seen at once). */
  emit(kind: ChangeKind | "all"): void {
    for (const listener of this.#listeners) listener(kind);
  }

  /** Listens on rota_changes and rota_calendar; live once both listeners are connected. */
  async start(handle: DbHandle, log: ListenLog): Promise<void> {
    const channel = (name: string, kindOf: (payload: string) => ChangeKind | "all") =>
      listenTo(
        handle,
        name,
        {
          onNotify: (payload) => this.emit(kindOf(payload)),
          onReady: () => {
            this.emit("all");
            this.#ready.add(name);
            this.#live = this.#ready.size === 2;
          },
          onLost: () => {
            this.#ready.delete(name);
            this.#live = false;
            this.emit("all");
          },
        },
        log,
      );
    this.#stops.push(await channel(CHANGES_CHANNEL, (payload) => (KINDS.includes(payload) ? (payload as ChangeKind) : "all")));
    this.#stops.push(await channel(CALENDARS_CHANNEL, () => "calendars"));
  }

  async stop(): Promise<void> {
    this.#live = false;
    for (const stop of this.#stops.splice(0)) await stop();
    this.#ready.clear();
    this.emit("all");
  }
}

/**
 * A cache whose entries a change of `kinds` drops whole. Reads that raced a
 * change (began before it, ended after) are not stored: the generation
 * counter moved under them.
 */
export class InvalidatedCache<K, V> {
  readonly #entries = new Map<K, V>();
  #generation = 0;

  constructor(
    private readonly feed: ChangeFeed | undefined,
    kinds: readonly ChangeKind[],
    private readonly maxEntries = 10_000,
  ) {
    feed?.subscribe((kind) => {
      if (kind === "all" || kinds.includes(kind)) {
        this.#generation++;
        this.#entries.clear();
      }
    });
  }

  /** The cached value, or undefined when absent or the feed is not live (then nothing is trusted). */
  get(key: K): V | undefined {
    return this.feed?.live ? this.#entries.get(key) : undefined;
  }

  /** Reads through the cache: `load` runs on a miss, and its answer is kept unless a change came meanwhile. */
  async through(key: K, load: () => Promise<V>): Promise<V> {
    const hit = this.get(key);
    if (hit !== undefined) return hit;
    const generation = this.#generation;
    const value = await load();
    if (this.feed?.live && generation === this.#generation && value !== undefined) this.#store(key, value);
    return value;
  }

  /** Loads many values in one go and keeps each by `keyOf`, unless a change came meanwhile. */
  async loadMany(load: () => Promise<V[]>, keyOf: (value: V) => K): Promise<V[]> {
    const generation = this.#generation;
    const values = await load();
    if (this.feed?.live && generation === this.#generation) for (const value of values) this.#store(keyOf(value), value);
    return values;
  }

  #store(key: K, value: V): void {
    if (this.#entries.size >= this.maxEntries && !this.#entries.has(key)) this.#entries.delete(this.#entries.keys().next().value as K);
    this.#entries.set(key, value);
  }

  get size(): number {
    return this.#entries.size;
  }
}
