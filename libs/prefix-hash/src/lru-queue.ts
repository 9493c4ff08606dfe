// Keys in least-recently-used order with O(1) amortized touch, delete and shift.
//
// A JS Map keeps insertion order, so "delete then set" makes it an LRU, but taking its oldest key
// (`map.keys().next()`) after many deletions walks over every deleted slot still at the front of V8's
// table: an LRU bounded that way costs microseconds per eviction, growing with its size. Here each
// touch appends (key, stamp) to a queue; shift skips queue entries whose stamp is no longer the key's
// current one, and the queue is rebuilt when stale entries outnumber live ones.

export class LruQueue<K> {
  private readonly stamps = new Map<K, number>();
  private keys: K[] = [];
  private order: number[] = [];
  private head = 0;
  private clock = 0;

  get size(): number {
    return this.stamps.size;
  }

  has(key: K): boolean {
    return this.stamps.has(key);
  }

  /** Marks `key` most recently used (adding it when absent). */
  touch(key: K): void {
    const stamp = ++this.clock;
    this.stamps.set(key, stamp);
    this.keys.push(key);
    this.order.push(stamp);
    if (this.keys.length - this.head > 2 * this.stamps.size + 64) this.compact();
  }

  delete(key: K): boolean {
    return this.stamps.delete(key);
  }

  /** The least recently used key, without removing it. */
  peek(): K | undefined {
    this.skipStale();
    return this.head < this.keys.length ? this.keys[this.head] : undefined;
  }

  /** Removes and returns the least recently used key. */
  shift(): K | undefined {
    this.skipStale();
    if (this.head >= this.keys.length) return undefined;
    const key = this.keys[this.head++];
    this.stamps.delete(key);
    return key;
  }

  clear(): void {
    this.stamps.clear();
    this.keys = [];
    this.order = [];
    this.head = 0;
  }

  /** Live keys, least recently used first. */
  *[Symbol.iterator](): IterableIterator<K> {
    for (let i = this.head; i < this.keys.length; i++) if (this.stamps.get(this.keys[i]) === this.order[i]) yield this.keys[i];
  }

  private skipStale(): void {
    while (this.head < this.keys.length && this.stamps.get(this.keys[this.head]) !== this.order[this.head]) this.head++;
  }

  private compact(): void {
    const keys: K[] = [];
    const order: number[] = [];
    for (let i = this.head; i < this.keys.length; i++) {
      if (this.stamps.get(this.keys[i]) !== this.order[i]) continue;
      keys.push(this.keys[i]);
      order.push(this.order[i]);
    }
    this.keys = keys;
    this.order = order;
    this.head = 0;
  }
}
