import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PriorityQueue } from "./priority-queue.ts";

interface Item {
  key: number;
  id: number;
}
const before = (a: Item, b: Item) => a.key < b.key || (a.key === b.key && a.id < b.id);

describe("PriorityQueue", () => {
  it("property: items come out in order, whatever keys changed (update) while they waited", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 20 }), { maxLength: 60 }),
        fc.array(fc.record({ at: fc.nat(), key: fc.integer({ min: -5, max: 25 }), pop: fc.boolean() }), { maxLength: 60 }),
        (keys, changes) => {
          const items = keys.map((key, id) => ({ key, id }));
          const queue = new PriorityQueue(before);
          for (const item of items) queue.push(item);
          const out: Item[] = [];
          for (const change of changes) {
            if (change.pop) {
              const least = items.filter((i) => queue.has(i)).reduce<Item | undefined>((m, i) => (m === undefined || before(i, m) ? i : m), undefined);
              const top = queue.pop();
              expect(top).toBe(least);
              if (top) out.push(top);
              continue;
            }
            const item = items[change.at % Math.max(1, items.length)];
            if (item === undefined) continue;
            item.key = change.key;
            queue.update(item);
            // A popped item's key no longer matters; one still queued must come out in its new place.
          }
          const waiting = items.filter((i) => queue.has(i));
          const rest: Item[] = [];
          for (let top = queue.pop(); top !== undefined; top = queue.pop()) rest.push(top);
          expect(rest).toEqual([...waiting].sort((a, b) => (before(a, b) ? -1 : 1)));
          expect(out.length + rest.length).toBe(items.length);
          expect(queue.size).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  // The auto-assign chooser: n people choose one after another while their keys improve as slots fill.
  it("n pushes, n updates and n pops compare O(n log n) times (5,000 items: under 20 comparisons per operation, not thousands)", () => {
    let comparisons = 0;
    const counting = (a: Item, b: Item) => {
      comparisons++;
      return before(a, b);
    };
    const n = 5_000;
    const items = Array.from({ length: n }, (_, id) => ({ key: (id * 7919) % 1000, id }));
    const queue = new PriorityQueue(counting);
    for (const item of items) queue.push(item);
    for (const item of items) {
      item.key -= (item.id * 31) % 200;
      queue.update(item);
    }
    let last: Item | undefined;
    for (let top = queue.pop(); top !== undefined; top = queue.pop()) {
      if (last) expect(before(top, last)).toBe(false);
      last = top;
    }
    const perOperation = comparisons / (3 * n);
    expect(perOperation).toBeLessThan(2 * Math.log2(n));
  });

  it("refuses an item twice; updating one not queued does nothing", () => {
    const queue = new PriorityQueue(before);
    const a = { key: 1, id: 1 };
    queue.push(a);
    expect(() => queue.push(a)).toThrow();
    queue.update({ key: 0, id: 2 });
    expect(queue.size).toBe(1);
    expect(queue.pop()).toBe(a);
    expect(queue.pop()).toBeUndefined();
  });
});
