// The GPU KV block pool with prefix caching, and an optional CPU tier. Freed blocks that hold a full,
// hashed block stay cached and are evicted least-recently-used; every store, offload and eviction is
// recorded as a vLLM KV event.
import { LruQueue } from '@llmd/prefix-hash';
import type { BlockHash } from './block-hash';
import type { Medium, SimKvEvent } from './kv-events';

interface CachedBlock {
  hash: BlockHash;
  parent: BlockHash | undefined;
  tokenIds: number[];
  lora: string | undefined;
}

const NO_TOKENS: number[] = [];

/** The blocks' token ids, one after another (flatMap is slow on this path). */
function concatTokens(blocks: readonly { tokenIds: number[] }[]): number[] {
  const out: number[] = [];
  for (const b of blocks) for (let i = 0; i < b.tokenIds.length; i++) out.push(b.tokenIds[i]);
  return out;
}

export interface PrefixLookup {
  /** GPU blocks holding the prompt's first blocks, in order. */
  gpuBlocks: number[];
  /** The next blocks of the prefix, found on the CPU tier (loaded back on admission). */
  cpuHits: CachedBlock[];
}

/**
 * Cached blocks with no user, least recently used first: a doubly linked list over block ids in typed
 * arrays (O(1) append, removal and oldest-first eviction, no allocation).
 */
class BlockLru {
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly member: Uint8Array;
  private head = -1;
  private tail = -1;
  size = 0;

  constructor(n: number) {
    this.prev = new Int32Array(n).fill(-1);
    this.next = new Int32Array(n).fill(-1);
    this.member = new Uint8Array(n);
  }

  /** Appends `b` as the most recently used (moving it when already listed). */
  push(b: number): void {
    if (this.member[b]) this.delete(b);
    this.member[b] = 1;
    this.prev[b] = this.tail;
    this.next[b] = -1;
    if (this.tail >= 0) this.next[this.tail] = b;
    else this.head = b;
    this.tail = b;
    this.size++;
  }

  delete(b: number): boolean {
    if (!this.member[b]) return false;
    const p = this.prev[b];
    const n = this.next[b];
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
    this.member[b] = 0;
    this.size--;
    return true;
  }

  /** Removes and returns the least recently used block. */
  shift(): number | undefined {
    const b = this.head;
    if (b < 0) return undefined;
    this.delete(b);
    return b;
  }
}

export class BlockPool {
  private readonly free: number[] = [];
  private readonly evictable: BlockLru;
  private readonly refs: Int32Array;
  private readonly cached: (CachedBlock | undefined)[];
  private readonly byHash = new Map<number, number>();
  /** CPU tier: hash key -> block, and the keys least recently used first. */
  private readonly cpu = new Map<number, CachedBlock>();
  private readonly cpuOrder = new LruQueue<number>();
  private events: SimKvEvent[] = [];

  constructor(
    readonly numBlocks: number,
    readonly blockSize: number,
    private readonly cpuCapacityBlocks = 0,
  ) {
    this.refs = new Int32Array(numBlocks);
    this.evictable = new BlockLru(numBlocks);
    this.cached = new Array(numBlocks);
    for (let i = numBlocks - 1; i >= 0; i--) this.free.push(i);
  }

  /** Blocks that no running sequence holds (free or cached-but-unused), as vLLM counts free blocks. */
  get availableBlocks(): number {
    return this.free.length + this.evictable.size;
  }

  /** vllm:kv_cache_usage_perc: share of blocks held by sequences. */
  get usage(): number {
    return 1 - this.availableBlocks / this.numBlocks;
  }

  get cpuBlocks(): number {
    return this.cpu.size;
  }

  drainEvents(): SimKvEvent[] {
    const out = this.events;
    this.events = [];
    return out;
  }

  /** The longest cached prefix of `hashes`: GPU blocks first, then the CPU tier. */
  lookup(hashes: readonly BlockHash[]): PrefixLookup {
    const gpuBlocks: number[] = [];
    let i = 0;
    for (; i < hashes.length; i++) {
      const b = this.byHash.get(hashes[i].key);
      if (b === undefined) break;
      gpuBlocks.push(b);
    }
    const cpuHits: CachedBlock[] = [];
    for (; i < hashes.length; i++) {
      const c = this.cpu.get(hashes[i].key);
      if (!c) break;
      cpuHits.push(c);
    }
    return { gpuBlocks, cpuHits };
  }

  /** Takes a reference on cached blocks a new sequence reuses. */
  acquire(blocks: readonly number[]): void {
    for (const b of blocks) {
      if (this.refs[b]++ === 0) this.evictable.delete(b);
    }
  }

  /** Allocates `n` blocks (evicting LRU cached ones as needed), or undefined when fewer are available. */
  allocate(n: number): number[] | undefined {
    if (n > this.availableBlocks) return undefined;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      let b = this.free.pop();
      if (b === undefined) {
        const victim = this.evictable.shift() as number;
        this.evict(victim);
        b = victim;
      }
      this.refs[b] = 1;
      out.push(b);
    }
    return out;
  }

  /** Drops a reference; an unreferenced cached block stays reusable until evicted. */
  release(blocks: readonly number[]): void {
    // Release in reverse so the tail of a sequence is evicted before its (more shared) head.
    for (let i = blocks.length - 1; i >= 0; i--) {
      const b = blocks[i];
      if (--this.refs[b] > 0) continue;
      if (this.cached[b]) this.evictable.push(b);
      else this.free.push(b);
    }
  }

  /**
   * Registers newly full blocks of one sequence under their hashes and emits one BlockStored for them.
   * A block whose hash is already cached elsewhere stays uncached (no duplicate entries), as in vLLM.
   */
  commit(entries: { block: number; hash: BlockHash; parent: BlockHash | undefined; tokenIds: number[] }[], lora: string | undefined): void {
    // One BlockStored per contiguous run of newly cached blocks, so each event's blocks chain from its parent.
    let run: typeof entries = [];
    const flush = () => {
      if (run.length > 0) this.emitStored(run.map((e) => e.hash), run[0].parent, concatTokens(run), lora, 'GPU');
      run = [];
    };
    for (const e of entries) {
      if (this.byHash.has(e.hash.key) || this.cached[e.block]) {
        flush();
        continue;
      }
      // A block's tokens are needed again only to re-announce it from the CPU tier.
      this.cached[e.block] = { hash: e.hash, parent: e.parent, tokenIds: this.cpuCapacityBlocks > 0 ? e.tokenIds : NO_TOKENS, lora };
      this.byHash.set(e.hash.key, e.block);
      run.push(e);
    }
    flush();
  }

  /** Brings CPU-tier blocks back to the GPU for a sequence; returns the new GPU blocks (caller holds them). */
  loadFromCpu(hits: readonly CachedBlock[]): number[] | undefined {
    if (hits.length > this.availableBlocks) return undefined;
    // Most recently used before allocating, so that what the allocation evicts to a full CPU tier
    // pushes out other CPU blocks first. A hit pushed out all the same is now on the GPU only.
    for (const h of hits) if (this.cpu.has(h.hash.key)) this.cpuOrder.touch(h.hash.key);
    const blocks = this.allocate(hits.length) as number[];
    hits.forEach((h, i) => {
      this.cached[blocks[i]] = h;
      this.byHash.set(h.hash.key, blocks[i]);
    });
    if (hits.length > 0) this.emitStored(hits.map((h) => h.hash), hits[0].parent, concatTokens(hits), hits[0].lora, 'GPU');
    return blocks;
  }

  /** The hashes of every block held in the prefix cache, per tier (what a KV-event consumer should know). */
  cachedHashes(): { gpu: bigint[]; cpu: bigint[] } {
    return { gpu: [...this.byHash.values()].map((b) => (this.cached[b] as CachedBlock).hash.value), cpu: [...this.cpu.values()].map((c) => c.hash.value) };
  }

  /** Forgets every cached block (vLLM's reset_prefix_cache): AllBlocksCleared. */
  clear(): void {
    for (let b = this.evictable.shift(); b !== undefined; b = this.evictable.shift()) {
      this.uncache(b);
      this.free.push(b);
    }
    for (let b = 0; b < this.numBlocks; b++) if (this.cached[b]) this.uncache(b);
    this.cpu.clear();
    this.cpuOrder.clear();
    this.events.push({ type: 'AllBlocksCleared' });
  }

  private evict(b: number): void {
    const c = this.cached[b];
    if (!c) return;
    this.uncache(b);
    this.events.push({ type: 'BlockRemoved', blockHashes: [c.hash.value], medium: 'GPU' });
    if (this.cpuCapacityBlocks > 0 && !this.cpu.has(c.hash.key)) {
      if (this.cpu.size >= this.cpuCapacityBlocks) {
        const oldest = this.cpuOrder.shift() as number;
        const gone = this.cpu.get(oldest) as CachedBlock;
        this.cpu.delete(oldest);
        this.events.push({ type: 'BlockRemoved', blockHashes: [gone.hash.value], medium: 'CPU' });
      }
      this.cpu.set(c.hash.key, c);
      this.cpuOrder.touch(c.hash.key);
      this.emitStored([c.hash], c.parent, c.tokenIds, c.lora, 'CPU');
    }
  }

  private uncache(b: number): void {
    const c = this.cached[b];
    if (!c) return;
    if (this.byHash.get(c.hash.key) === b) this.byHash.delete(c.hash.key);
    this.cached[b] = undefined;
  }

  private emitStored(hashes: BlockHash[], parent: BlockHash | undefined, tokenIds: number[], lora: string | undefined, medium: Medium): void {
    this.events.push({ type: 'BlockStored', blockHashes: hashes.map((h) => h.value), parentBlockHash: parent ? parent.value : null, tokenIds, blockSize: this.blockSize, loraName: lora ?? null, medium });
  }
}
