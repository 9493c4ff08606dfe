// Per-endpoint LRU sets of chunk hashes: what the scheduler believes each endpoint has cached,
// learned from what it routed there. Bounded per endpoint; the least recently used hashes go first.
//
// Every Pick records a few hundred hashes, so this sits on the hot path. A JS Map keyed by 53-bit
// numbers boxes every key on the heap: each Pick then leaves hundreds of live objects for the young
// generation's collector to copy, and its pauses (1 to 3 ms each) land in Pick's tail latency. Here
// each endpoint keeps its hashes in typed arrays instead (an open-addressing table with linear
// probing and backward-shift deletion, and a doubly linked LRU list by slot index): recording a
// Pick allocates nothing.
import type { ChunkHash } from './chunk-hash';

const EMPTY = -1;
const TWO_32 = 0x100000000;
/** Slots an endpoint starts with; its arrays double up to the capacity as it fills. */
const INITIAL_SLOTS = 1024;

class EndpointSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private prev: Int32Array;
  private next: Int32Array;
  private table: Int32Array;
  private mask: number;
  /** Most recently used slot, and least recently used one. */
  private head = EMPTY;
  private tail = EMPTY;
  size = 0;

  constructor(private readonly capacity: number) {
    const slots = Math.min(capacity, INITIAL_SLOTS);
    this.hi = new Uint32Array(slots);
    this.lo = new Uint32Array(slots);
    this.prev = new Int32Array(slots);
    this.next = new Int32Array(slots);
    this.table = new Int32Array(tableSize(slots)).fill(EMPTY);
    this.mask = this.table.length - 1;
  }

  has(h: ChunkHash): boolean {
    return this.find(hiOf(h), h >>> 0) >= 0;
  }

  /** Marks `h` most recently used, inserting it (and evicting the least recently used) as needed. */
  touch(h: ChunkHash): void {
    const hi = hiOf(h);
    const lo = h >>> 0;
    const bucket = this.find(hi, lo);
    if (bucket >= 0) {
      const slot = this.table[bucket];
      if (slot !== this.head) {
        this.unlink(slot);
        this.linkHead(slot);
      }
      return;
    }
    let slot: number;
    if (this.size === this.capacity) {
      slot = this.tail;
      this.unlink(slot);
      this.deleteBucket(this.find(this.hi[slot], this.lo[slot]));
    } else {
      if (this.size === this.hi.length) this.grow();
      slot = this.size++;
    }
    this.hi[slot] = hi;
    this.lo[slot] = lo;
    this.table[this.insertionBucket(hi, lo)] = slot;
    this.linkHead(slot);
  }

  /** The bucket holding (hi, lo), or -1. */
  private find(hi: number, lo: number): number {
    for (let b = bucketOf(hi, lo, this.mask); ; b = (b + 1) & this.mask) {
      const slot = this.table[b];
      if (slot === EMPTY) return -1;
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
    const copy = <T extends Uint32Array | Int32Array>(a: T, make: (n: number) => T) => {
      const b = make(slots);
      b.set(a);
      return b;
    };
    this.hi = copy(this.hi, (n) => new Uint32Array(n));
    this.lo = copy(this.lo, (n) => new Uint32Array(n));
    this.prev = copy(this.prev, (n) => new Int32Array(n));
    this.next = copy(this.next, (n) => new Int32Array(n));
    this.table = new Int32Array(tableSize(slots)).fill(EMPTY);
    this.mask = this.table.length - 1;
    for (let s = 0; s < this.size; s++) this.table[this.insertionBucket(this.hi[s], this.lo[s])] = s;
  }
}

/** A power of two at least twice the slots (load factor <= 0.5 keeps probe runs short). */
function tableSize(slots: number): number {
  let n = 16;
  while (n < slots * 2) n *= 2;
  return n;
}

function hiOf(h: ChunkHash): number {
  return Math.floor(h / TWO_32) >>> 0;
}

function bucketOf(hi: number, lo: number, mask: number): number {
  let x = Math.imul(lo ^ Math.imul(hi, 0x9e3779b1), 0x85ebca6b);
  x ^= x >>> 15;
  return x & mask;
}

export class LruChunkIndex {
  private readonly byEndpoint = new Map<string, EndpointSet>();

  constructor(private readonly capacityPerEndpoint: number) {
    if (!Number.isInteger(capacityPerEndpoint) || capacityPerEndpoint < 1) throw new RangeError(`capacityPerEndpoint must be a positive integer, got ${capacityPerEndpoint}`);
  }

  /**
   * Records that `endpoint` now holds these chunks (touching the ones it already had). The chain is
   * inserted tail first, so a prompt's head is its most recently used part and is evicted last: what
   * an endpoint holds stays prefix-closed, which lets matchLength binary-search.
   */
  add(endpoint: string, hashes: readonly ChunkHash[]): void {
    let set = this.byEndpoint.get(endpoint);
    if (!set) {
      set = new EndpointSet(this.capacityPerEndpoint);
      this.byEndpoint.set(endpoint, set);
    }
    for (let i = hashes.length - 1; i >= 0; i--) set.touch(hashes[i]);
  }

  /**
   * How many leading chunks of `hashes` the endpoint holds. Chained hashes make holding chunk k imply
   * having been sent chunks 0..k, and tail-first insertion keeps the held set prefix-closed, so a
   * binary search finds the length in O(log n) lookups.
   */
  matchLength(endpoint: string, hashes: readonly ChunkHash[]): number {
    const set = this.byEndpoint.get(endpoint);
    if (!set || hashes.length === 0 || !set.has(hashes[0])) return 0;
    let lo = 1; // set holds hashes[0 .. lo-1]
    let hi = hashes.length; // the answer is at most hi
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (set.has(hashes[mid - 1])) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Whether the endpoint holds this chunk. */
  has(endpoint: string, hash: ChunkHash): boolean {
    return this.byEndpoint.get(endpoint)?.has(hash) ?? false;
  }

  /** Forgets an endpoint (it went away, or its cache was cleared). */
  remove(endpoint: string): void {
    this.byEndpoint.delete(endpoint);
  }

  size(endpoint?: string): number {
    if (endpoint !== undefined) return this.byEndpoint.get(endpoint)?.size ?? 0;
    let n = 0;
    for (const s of this.byEndpoint.values()) n += s.size;
    return n;
  }
}
