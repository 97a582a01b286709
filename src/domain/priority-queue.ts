/**
 * A binary heap of items whose priority may change while they wait: after
 * changing an item's priority, call `update(item)` and it moves to its place.
 * `before(a, b)` is true when `a` comes out first; it must be a strict total
 * order for the result to be deterministic. push, pop and update compare
 * O(log n) times, so choosing n times among n is O(n log n), not O(n²).
 */
export class PriorityQueue<T> {
  readonly #items: T[] = [];
  readonly #positions = new Map<T, number>();
  readonly #before: (a: T, b: T) => boolean;

  constructor(before: (a: T, b: T) => boolean) {
    this.#before = before;
  }

  get size(): number {
    return this.#items.length;
  }

  has(item: T): boolean {
    return this.#positions.has(item);
  }

  /** The item that comes out next, or undefined when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    if (this.#positions.has(item)) throw new Error("item is already queued");
    this.#items.push(item);
    this.#positions.set(item, this.#items.length - 1);
    this.#up(this.#items.length - 1);
  }

  pop(): T | undefined {
    const top = this.#items[0];
    if (top === undefined) return undefined;
    const last = this.#items.pop()!;
    this.#positions.delete(top);
    if (last !== top) {
      this.#place(last, 0);
      this.#down(0);
    }
    return top;
  }

  /** Moves a queued item to where its (changed) priority puts it; ignores one not queued. */
  update(item: T): void {
    const at = this.#positions.get(item);
    if (at === undefined) return;
    this.#down(this.#up(at));
  }

  #place(item: T, at: number): void {
    this.#items[at] = item;
    this.#positions.set(item, at);
  }

  #up(at: number): number {
    const item = this.#items[at]!;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const above = this.#items[parent]!;
      if (!this.#before(item, above)) break;
      this.#place(above, at);
      at = parent;
    }
    this.#place(item, at);
    return at;
  }

  #down(at: number): void {
    const item = this.#items[at]!;
    const n = this.#items.length;
    for (;;) {
      const left = 2 * at + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && this.#before(this.#items[right]!, this.#items[left]!) ? right : left;
      if (!this.#before(this.#items[child]!, item)) break;
      this.#place(this.#items[child]!, at);
      at = child;
    }
    this.#place(item, at);
  }
}
