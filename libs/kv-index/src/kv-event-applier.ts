// Applies vLLM KV events to the index under llmd's own block keys: a BlockStored event's token ids
// are keyed by a seeded chained hash (so the engine's PYTHONHASHSEED never matters), and each
// engine block hash is mapped to its key, so BlockRemoved events and CPU-offload BlockStored events
// (which carry no tokens) resolve through that map.
import { BlockKey, tokenBlockKeys } from '@llmd/prefix-hash';
import { TIER_BITS, TIERS, type KvBlockIndex, type Tier } from './kv-block-index';

/** vLLM's ExternalBlockHash: an int or bytes. */
export type EngineBlockHash = bigint | Uint8Array;

export type IndexEvent =
  | { type: 'BlockStored'; blockHashes: EngineBlockHash[]; parentBlockHash?: EngineBlockHash; tokenIds: number[]; blockSize: number; loraName?: string; medium: Tier }
  | { type: 'BlockRemoved'; blockHashes: EngineBlockHash[]; medium: Tier }
  | { type: 'AllBlocksCleared' };

/**
 * What a pod holds, as the applier knows it: each block's engine hash, its llmd key, and its tiers
 * (bit 1 GPU, 2 CPU, 4 disk). Enough to rebuild the pod's entries and go on applying its events.
 */
export interface PodBlocks {
  engineHashes: EngineBlockHash[];
  keys: BlockKey[];
  tiers: number[];
}

export interface ApplyResult {
  stored: number;
  removed: number;
  /** Blocks that could not be keyed (an unknown parent, or an offload event for an unseen block). */
  unresolved: number;
  cleared: boolean;
}

/** A map key for an engine hash: the integer itself (a BigInt key compares by value), bytes as hex. */
function engineKey(h: EngineBlockHash): bigint | string {
  return typeof h === 'bigint' ? h : Buffer.from(h).toString('hex');
}

function engineHashOf(key: bigint | string): EngineBlockHash {
  return typeof key === 'bigint' ? key : new Uint8Array(Buffer.from(key, 'hex'));
}

/**
 * Engine block hash -> llmd key for one pod, bounded by two generations: new entries go to the current
 * map; when it is full it becomes the previous one (and the old previous is dropped at once); a hit in
 * the previous generation moves back to the current. The most recent `max / 2` entries at least are
 * always kept, and nothing is evicted one key at a time from the front of a Map (slow in V8).
 */
class EngineKeyMap {
  private current = new Map<bigint | string, BlockKey>();
  private previous = new Map<bigint | string, BlockKey>();

  constructor(private readonly max: number) {}

  get(key: bigint | string): BlockKey | undefined {
    const k = this.current.get(key);
    if (k !== undefined) return k;
    const old = this.previous.get(key);
    if (old !== undefined) {
      this.previous.delete(key);
      this.set(key, old);
    }
    return old;
  }

  set(key: bigint | string, value: BlockKey): void {
    this.previous.delete(key);
    this.current.set(key, value);
    if (this.current.size >= Math.max(1, Math.floor(this.max / 2))) {
      this.previous = this.current;
      this.current = new Map();
    }
  }

  get size(): number {
    return this.current.size + this.previous.size;
  }

  /** Every entry, the older generation first (each generation as it was when reached). */
  *entries(): Generator<[bigint | string, BlockKey]> {
    const [previous, current] = [this.previous, this.current];
    yield* previous;
    yield* current;
  }
}

export class KvEventApplier {
  /** pod -> engine block hash -> llmd key */
  private readonly engineMap = new Map<string, EngineKeyMap>();

  constructor(
    private readonly index: KvBlockIndex,
    private readonly seed: number,
    /** Engine hashes remembered per pod (the older half forgotten at once when full): a block removed from one tier may come back on another. */
    private readonly maxMappedPerPod = 4_000_000,
  ) {}

  apply(pod: string, events: readonly IndexEvent[], nowMs: number): ApplyResult {
    const result: ApplyResult = { stored: 0, removed: 0, unresolved: 0, cleared: false };
    for (const e of events) {
      if (e.type === 'AllBlocksCleared') {
        this.clearPod(pod);
        result.cleared = true;
      } else if (e.type === 'BlockRemoved') {
        const map = this.engineMap.get(pod);
        const keys: BlockKey[] = [];
        for (const h of e.blockHashes) {
          const k = map?.get(engineKey(h));
          if (k !== undefined) keys.push(k);
          else result.unresolved++;
        }
        this.index.remove(keys, pod, e.medium);
        result.removed += keys.length;
      } else {
        const keys = this.keysOf(pod, e);
        if (!keys) {
          result.unresolved += e.blockHashes.length;
          continue;
        }
        this.index.add(keys, pod, e.medium, nowMs);
        result.stored += keys.length;
      }
    }
    return result;
  }

  /** The llmd key an engine block hash of `pod` was given, if known. */
  keyOf(pod: string, engineHash: EngineBlockHash): BlockKey | undefined {
    return this.engineMap.get(pod)?.get(engineKey(engineHash));
  }

  clearPod(pod: string): void {
    this.index.clearPod(pod);
    this.engineMap.delete(pod);
  }

  /**
   * The blocks `pod` holds now, by engine hash (a checkpoint of the pod). Blocks whose engine hash the
   * map has forgotten are left out: no event of the pod's could name them again.
   */
  exportPod(pod: string): PodBlocks {
    const out: PodBlocks = { engineHashes: [], keys: [], tiers: [] };
    for (const [engineHash, key, bits] of this.podBlocks(pod)) {
      out.engineHashes.push(engineHash);
      out.keys.push(key);
      out.tiers.push(bits);
    }
    return out;
  }

  /**
   * exportPod one block at a time, for a caller that yields to other work in between: what it gives
   * is then a mix of the pod's states over that time, which is still a sound checkpoint at the offset
   * where it began (every change since is applied again after a restore, and applying again changes
   * nothing), and the blocks added meanwhile may or may not be in it.
   */
  *podBlocks(pod: string): Generator<[EngineBlockHash, BlockKey, number]> {
    const map = this.engineMap.get(pod);
    if (!map) return;
    for (const [engine, key] of map.entries()) {
      const bits = this.index.tierBits(key, pod);
      if (bits !== 0) yield [engineHashOf(engine), key, bits];
    }
  }

  /** Puts back what exportPod gave, in place of whatever `pod` held. */
  restorePod(pod: string, blocks: PodBlocks, nowMs: number): void {
    if (blocks.engineHashes.length !== blocks.keys.length || blocks.tiers.length !== blocks.keys.length) throw new RangeError(`a checkpoint of ${pod} has ${blocks.engineHashes.length} engine hashes, ${blocks.keys.length} keys and ${blocks.tiers.length} tiers`);
    this.clearPod(pod);
    const map = new EngineKeyMap(this.maxMappedPerPod);
    this.engineMap.set(pod, map);
    const byTier = new Map<Tier, BlockKey[]>(TIERS.map((t) => [t, []]));
    blocks.keys.forEach((key, i) => {
      map.set(engineKey(blocks.engineHashes[i]), key);
      for (const t of TIERS) if (blocks.tiers[i] & TIER_BITS[t]) byTier.get(t)?.push(key);
    });
    for (const [tier, keys] of byTier) if (keys.length > 0) this.index.add(keys, pod, tier, nowMs);
  }

  private keysOf(pod: string, e: Extract<IndexEvent, { type: 'BlockStored' }>): BlockKey[] | undefined {
    let map = this.engineMap.get(pod);
    if (!map) {
      map = new EngineKeyMap(this.maxMappedPerPod);
      this.engineMap.set(pod, map);
    }
    if (e.tokenIds.length === 0) {
      // Offload events name blocks the pod stored before; resolve them through the map.
      const keys: BlockKey[] = [];
      for (const h of e.blockHashes) {
        const k = map.get(engineKey(h));
        if (k === undefined) return undefined;
        keys.push(k);
      }
      return keys;
    }
    // Keys come from the tokens and the parent's key: the same block always gets the same key, so a
    // block seen before (offloaded, loaded back) needs no lookup when its parent resolves.
    let parent: BlockKey | undefined;
    const hasParent = e.parentBlockHash !== undefined && e.parentBlockHash !== null;
    if (hasParent) parent = map.get(engineKey(e.parentBlockHash as EngineBlockHash));
    if (e.tokenIds.length !== e.blockHashes.length * e.blockSize || (hasParent && parent === undefined)) {
      // Otherwise blocks seen before keep the key they were given.
      const known = e.blockHashes.map((h) => map.get(engineKey(h)));
      return known.every((k) => k !== undefined) ? (known as BlockKey[]) : undefined;
    }
    const keys = tokenBlockKeys(e.tokenIds, e.blockSize, { parent, extra: e.loraName || undefined, seed: this.seed });
    e.blockHashes.forEach((h, i) => map.set(engineKey(h), keys[i]));
    return keys;
  }
}
