// A bounded set of 53-bit integer keys (chunk hashes, block keys) kept in typed arrays, least recently
// used out first. A JS Map keyed by such numbers boxes every key on the heap and costs about 100
// bytes an entry; millions of them make every major GC walk millions of objects. Here a key lives in
// a slot (two 32-bit halves), an open-addressing table (linear probing, backward-shift deletion, no
// tombstones) maps keys to slots, and a doubly linked list by slot index keeps the LRU order. Slots
// are stable while their key lives, so callers keep per-key values in their own arrays by slot.
const EMPTY = -1;
const TWO_32 = 0x100000000;

export class LruKeyTable {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private prev: Int32Array;
  private next: Int32Array;
  private table: Int32Array;
  private mask: number;
  /** Most recently used slot, and least recently used one. */
  private head = EMPTY;
  private tail = EMPTY;
  /** Slots given out so far (the high-water mark); freed ones below it are chained through `next`. */
  private used = 0;
  private freeHead = EMPTY;
  private live = 0;

  /**
   * @param capacity keys held at most; inserting one more evicts the least recently used.
   * @param initialSlots slots allocated up front; the arrays double up to `capacity` as keys arrive.
   */
  constructor(
    readonly capacity: number,
    initialSlots = 1024,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    const slots = Math.min(capacity, Math.max(1, initialSlots));
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.prev = new Int32Array(slots);
    this.next = new Int32Array(slots);
    this.table = new Int32Array(tableSize(slots)).fill(EMPTY);
    this.mask = this.table.length - 1;
  }

  get size(): number {
    return this.live;
  }

  /** Slot arrays' length: every slot handed out is below it (callers size their value arrays to it). */
  get slotCount(): number {
    return this.hi.length;
  }

  /** The slot holding `key`, or -1. */
  find(key: number): number {
    const b = this.bucketOfKey(hiOf(key), key >>> 0);
    return b < 0 ? EMPTY : this.table[b];
  }

  keyAt(slot: number): number {
    return this.hi[slot] * TWO_32 + this.lo[slot];
  }

  /** Marks a live slot most recently used. */
  touchSlot(slot: number): void {
    if (slot === this.head) return;
    this.unlink(slot);
    this.linkHead(slot);
  }

  /**
   * Inserts `key` (not present: check with `find`) as the most recently used and returns its slot.
   * When full, the least recently used key goes first; its slot is usually the one returned, so the
   * caller resets its values for the slot.
   */
  insert(key: number): number {
    const hi = hiOf(key);
    const lo = key >>> 0;
    let slot: number;
    if (this.live === this.capacity) {
      slot = this.tail;
      this.unlink(slot);
      this.deleteBucket(this.bucketOfKey(this.hi[slot], this.lo[slot]));
      this.live--;
    } else if (this.freeHead !== EMPTY) {
      slot = this.freeHead;
      this.freeHead = this.next[slot];
    } else {
      if (this.used === this.hi.length) this.grow();
      slot = this.used++;
    }
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.table[this.insertionBucket(hi, lo)] = slot;
    this.linkHead(slot);
    this.live++;
    return slot;
  }

  /** Marks `key` most recently used, inserting it when absent; returns its slot. */
  touch(key: number): number {
    const slot = this.find(key);
    if (slot >= 0) {
      this.touchSlot(slot);
      return slot;
    }
    return this.insert(key);
  }

  /** Removes `key`; returns the slot it had (free for reuse), or -1. */
  delete(key: number): number {
    const b = this.bucketOfKey(hiOf(key), key >>> 0);
    if (b < 0) return EMPTY;
    const slot = this.table[b];
    this.deleteBucket(b);
    this.unlink(slot);
    this.next[slot] = this.freeHead;
    this.freeHead = slot;
    this.live--;
    return slot;
  }

  /** The least recently used slot, or -1 when empty. */
  get oldest(): number {
    return this.tail;
  }

  /** Live slots, most recently used first (do not insert or delete while iterating). */
  forEachSlot(fn: (slot: number) => void): void {
    for (let s = this.head; s !== EMPTY; s = this.next[s]) fn(s);
  }

  clear(): void {
    this.table.fill(EMPTY);
    this.head = this.tail = this.freeHead = EMPTY;
    this.used = this.live = 0;
  }

  /** The bucket holding (hi, lo), or -1. */
  private bucketOfKey(hi: number, lo: number): number {
    const { table, mask } = this;
    for (let b = bucketOf(hi, lo, mask); ; b = (b + 1) & mask) {
      const slot = table[b];
      if (slot === EMPTY) return EMPTY;
      if (this.lo[slot] === lo && this.hi[slot] === hi) return b;
    }
  }

  private insertionBucket(hi: number, lo: number): number {
    let b = bucketOf(hi, lo, this.mask);
    while (this.table[b] !== EMPTY) b = (b + 1) & this.mask;
    return b;
  }

  /** Linear probing's deletion without tombstones: later entries of the run shift back into the hole. */
  private deleteBucket(hole: number): void {
    const { table, mask } = this;
    for (let j = (hole + 1) & mask; table[j] !== EMPTY; j = (j + 1) & mask) {
      const slot = table[j];
      const home = bucketOf(this.hi[slot], this.lo[slot], mask);
      // The entry at j may move to the hole when its home bucket is not within (hole, j] cyclically.
      const between = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (!between) {
        table[hole] = slot;
        hole = j;
      }
    }
    table[hole] = EMPTY;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot];
    const n = this.next[slot];
    if (p === EMPTY) this.head = n;
    else this.next[p] = n;
    if (n === EMPTY) this.tail = p;
    else this.prev[n] = p;
  }

  private linkHead(slot: number): void {
    this.prev[slot] = EMPTY;
    this.next[slot] = this.head;
    if (this.head !== EMPTY) this.prev[this.head] = slot;
    this.head = slot;
    if (this.tail === EMPTY) this.tail = slot;
  }

  private grow(): void {
    const slots = Math.min(this.capacity, this.hi.length * 2);
    this.hi = grown(this.hi, new Uint32Array(slots));
    this.lo = grown(this.lo, new Uint32Array(slots));
    this.prev = grown(this.prev, new Int32Array(slots));
    this.next = grown(this.next, new Int32Array(slots));
    this.table = new Int32Array(tableSize(slots)).fill(EMPTY);
    this.mask = this.table.length - 1;
    // Grows only when no slot is free, so every slot below `used` is live.
    for (let s = 0; s < this.used; s++) this.table[this.insertionBucket(this.hi[s], this.lo[s])] = s;
  }
}

/** `to` with `from` copied into its start. */
export function grown<T extends Uint32Array | Int32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from as never);
  return to;
}

/** A power of two at least twice the slots (load factor <= 0.5 keeps probe runs short). */
function tableSize(slots: number): number {
  let n = 16;
  while (n < slots * 2) n *= 2;
  return n;
}

function hiOf(key: number): number {
  return Math.floor(key / TWO_32) >>> 0;
}

function bucketOf(hi: number, lo: number, mask: number): number {
  let x = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  x ^= x >>> 15;
  return x & mask;
}
