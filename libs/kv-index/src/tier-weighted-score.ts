// A pod's prefix score from its hit on each tier, weighted by how much each tier saves: a GPU block
// is used as is, a CPU block must be copied back first, a disk block read back. One function shared
// by cache-manager's Score and the routing simulator, so both weigh offload tiers alike.
import type { PrefixHit } from './kv-block-index';

export interface TierWeights {
  gpu: number;
  cpu: number;
  disk: number;
}

/** cache-manager's defaults (its `tierWeights` config). */
export const DEFAULT_TIER_WEIGHTS: Readonly<TierWeights> = { gpu: 1, cpu: 0.8, disk: 0.5 };

/**
 * The weighted share of the prompt's `promptBlocks` blocks held by the pod, in [0,1] for weights in
 * [0,1]. Hits nest (the GPU run lies within the CPU run, within the disk run), so each tier is
 * credited only with the blocks beyond the faster tier's run.
 */
export function tierWeightedScore(hit: PrefixHit, promptBlocks: number, w: TierWeights = DEFAULT_TIER_WEIGHTS): number {
  if (promptBlocks <= 0) return 0;
  return (hit.gpu * w.gpu + (hit.cpu - hit.gpu) * w.cpu + (hit.disk - hit.cpu) * w.disk) / promptBlocks;
}
