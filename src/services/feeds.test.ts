import { describe, expect, it } from "vitest";
import type { CalendarFeed } from "../db/schema/index.ts";
import { FeedCache } from "./feeds.ts";

const entry = (id: string, bytes: number) => ({
  feed: { id } as CalendarFeed,
  version: "v",
  day: 0,
  checkedAt: 0,
  rendered: { body: "x".repeat(bytes), etag: '"e"', lastModified: new Date(0), lastModifiedHttp: "", name: id },
});

describe("FeedCache", () => {
  it("keeps rendered text under its byte budget, dropping the least recently used first", () => {
    const cache = new FeedCache(250, 100);
    cache.setFeed("a", entry("A", 100));
    cache.setFeed("b", entry("B", 100));
    expect(cache.feed("a")?.feed.id).toBe("A"); // a is now the most recently used
    cache.setFeed("c", entry("C", 100));
    expect(cache.feed("b")).toBeUndefined();
    expect(cache.feed("a")?.feed.id).toBe("A");
    expect(cache.bytes).toBe(200);
  });

  it("replacing or forgetting a feed gives its bytes back", () => {
    const cache = new FeedCache(1000, 100);
    cache.setFeed("a", entry("A", 300));
    cache.setFeed("a", entry("A", 100));
    expect(cache.bytes).toBe(100);
    cache.forget("A");
    expect(cache.feed("a")).toBeUndefined();
    expect(cache.bytes).toBe(0);
  });

  it("a feed bigger than the budget is still served once, alone", () => {
    const cache = new FeedCache(50, 100);
    cache.setFeed("a", entry("A", 10));
    cache.setFeed("big", entry("BIG", 80));
    expect(cache.feed("big")?.feed.id).toBe("BIG");
    expect(cache.feed("a")).toBeUndefined();
  });
});
