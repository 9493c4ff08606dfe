// The in-memory backend: key -> the pods holding it (with their tiers), bounded by a number of keys;
// the least recently stored keys are evicted first. Kept compact (about 30 bytes a block, no object
// per block): the keys live in an LruKeyTable (typed arrays), pods are interned as small integers, and
// a holder is one integer, pod * 8 + tier bits, in a typed array by the key's slot; only a block held
// by several pods has a list.
import { grown, LruKeyTable, type BlockKey } from '@llmd/prefix-hash';
import { TIER_BITS as BIT, type KvBlockIndex, type PrefixHit, type Tier } from './kv-block-index';
/** The answer for a pod that holds none of the prompt (shared; callers do not mutate hits). */
const NO_HIT: PrefixHit = Object.freeze({ gpu: 0, cpu: 0, disk: 0 });

/** holder[] value of a block held by several pods: its holders are in `many`. */
const MANY = -1;

export class InMemoryKvBlockIndex implements KvBlockIndex {
  /** The keys, least recently stored evicted first; a key's slot indexes `holder`. */
  private readonly keys: LruKeyTable;
  /** Per slot: its one holder (pod * 8 + tier bits), or MANY. */
  private holder: Int32Array;
  /** Holders of the slots held by several pods. */
  private readonly many = new Map<number, number[]>();
  private readonly podIds = new Map<string, number>();
  private readonly podNames: string[] = [];

  constructor(maxBlocks: number) {
    this.keys = new LruKeyTable(maxBlocks, 65536);
    this.holder = new Int32Array(this.keys.slotCount);
  }

  private pod(name: string): number {
    let id = this.podIds.get(name);
    if (id === undefined) {
      id = this.podNames.length;
      this.podIds.set(name, id);
      this.podNames.push(name);
    }
    return id;
  }

  /** `pod`'s tier bits on the block in `slot`. */
  private bitsAt(slot: number, pod: number): number {
    const h = this.holder[slot];
    if (h !== MANY) return h >> 3 === pod ? h & 7 : 0;
    for (const x of this.many.get(slot) as number[]) if (x >> 3 === pod) return x & 7;
    return 0;
  }

  /** Sets `pod`'s tier bits on the block in `slot` (0 drops the pod); false when no holder is left. */
  private setTiers(slot: number, pod: number, bits: number): boolean {
    const h = this.holder[slot];
    const list = h === MANY ? (this.many.get(slot) as number[]) : [h];
    const others = list.filter((x) => x >> 3 !== pod);
    if (bits !== 0) others.push(pod * 8 + bits);
    if (others.length === 0) return false;
    if (others.length === 1) {
      this.holder[slot] = others[0];
      this.many.delete(slot);
    } else {
      this.holder[slot] = MANY;
      this.many.set(slot, others);
    }
    return true;
  }

  add(keys: readonly BlockKey[], podName: string, tier: Tier, _nowMs: number): void {
    const pod = this.pod(podName);
    const bit = BIT[tier];
    const one = pod * 8 + bit;
    for (let i = 0; i < keys.length; i++) {
      let slot = this.keys.find(keys[i]);
      if (slot >= 0) {
        // Touch: most recently stored keys are evicted last.
        this.keys.touchSlot(slot);
        const h = this.holder[slot];
        if (h === one) continue;
        if (h !== MANY && h >> 3 === pod) this.holder[slot] = h | bit;
        else this.setTiers(slot, pod, this.bitsAt(slot, pod) | bit);
      } else {
        slot = this.keys.insert(keys[i]);
        if (slot >= this.holder.length) this.holder = grown(this.holder, new Int32Array(this.keys.slotCount));
        // The slot may be the evicted least recently stored block's.
        if (this.holder[slot] === MANY) this.many.delete(slot);
        this.holder[slot] = one;
      }
    }
  }

  remove(keys: readonly BlockKey[], podName: string, tier?: Tier): void {
    const pod = this.podIds.get(podName);
    if (pod === undefined) return;
    for (const key of keys) {
      const slot = this.keys.find(key);
      if (slot < 0) continue;
      const bits = this.bitsAt(slot, pod);
      if (bits === 0) continue;
      if (!this.setTiers(slot, pod, tier ? bits & ~BIT[tier] : 0)) this.drop(key, slot);
    }
  }

  clearPod(podName: string): void {
    const pod = this.podIds.get(podName);
    if (pod === undefined) return;
    const gone: number[] = [];
    this.keys.forEachSlot((slot) => {
      if (this.bitsAt(slot, pod) !== 0 && !this.setTiers(slot, pod, 0)) gone.push(slot);
    });
    for (const slot of gone) this.drop(this.keys.keyAt(slot), slot);
  }

  lookup(keys: readonly BlockKey[], pods?: readonly string[]): Map<string, PrefixHit> {
    const out = new Map<string, PrefixHit>();
    const first = keys.length > 0 ? this.keys.find(keys[0]) : -1;
    const firstHolders = first < 0 ? [] : this.holder[first] === MANY ? (this.many.get(first) as number[]) : [this.holder[first]];
    let candidates: number[];
    if (pods) {
      for (const p of pods) out.set(p, NO_HIT);
      // Only the first block's holders can hold a prefix: the others keep the shared zero hit.
      candidates = [];
      for (const holder of firstHolders) {
        const id = holder >> 3;
        if (out.has(this.podNames[id]) && !candidates.includes(id)) candidates.push(id);
      }
    } else {
      candidates = firstHolders.map((x) => x >> 3);
    }
    if (candidates.length === 0) return out;
    // Walk the chain once. Runs nest (a GPU run is within the CPU run, which is within the disk run),
    // so a pod is done at its first block on no tier; until then each tier's run ends at its own miss.
    const n = candidates.length;
    const gpu = new Int32Array(n);
    const cpu = new Int32Array(n);
    const disk = new Int32Array(n);
    const open = new Uint8Array(n).fill(7); // bit 1 gpu run open, 2 cpu, 4 disk
    let openPods = n;
    for (let i = 0; i < keys.length && openPods > 0; i++) {
      const slot = i === 0 ? first : this.keys.find(keys[i]);
      if (slot < 0) break;
      const h = this.holder[slot];
      const list = h === MANY ? (this.many.get(slot) as number[]) : undefined;
      for (let j = 0; j < n; j++) {
        const o = open[j];
        if (o === 0) continue;
        const pod = candidates[j];
        let bits = 0;
        if (list === undefined) bits = h >> 3 === pod ? h & 7 : 0;
        else for (const x of list) if (x >> 3 === pod) bits = x & 7;
        let next = o;
        if (o & 1) {
          if (bits & 1) gpu[j] = i + 1;
          else next &= ~1;
        }
        if (o & 2) {
          if (bits & 3) cpu[j] = i + 1;
          else next &= ~2;
        }
        if (bits !== 0) disk[j] = i + 1;
        else {
          next = 0;
          openPods--;
        }
        open[j] = next;
      }
    }
    for (let j = 0; j < n; j++) out.set(this.podNames[candidates[j]], { gpu: gpu[j], cpu: cpu[j], disk: disk[j] });
    return out;
  }

  tierBits(key: BlockKey, podName: string): number {
    const pod = this.podIds.get(podName);
    const slot = pod === undefined ? -1 : this.keys.find(key);
    return slot < 0 ? 0 : this.bitsAt(slot, pod as number);
  }

  size(): number {
    return this.keys.size;
  }

  /** Every key `pod` holds (for audits and debugging). */
  podKeys(podName: string): BlockKey[] {
    const pod = this.podIds.get(podName);
    const out: BlockKey[] = [];
    if (pod !== undefined) this.keys.forEachSlot((slot) => this.bitsAt(slot, pod) !== 0 && out.push(this.keys.keyAt(slot)));
    return out;
  }

  private drop(key: BlockKey, slot: number): void {
    this.keys.delete(key);
    this.many.delete(slot);
  }
}
