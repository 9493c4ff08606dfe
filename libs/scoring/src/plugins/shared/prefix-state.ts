// Per-request prefix-match data, written by a prefix plugin's prepare step and read by the prefix
// affinity filter, the P/D decider and the predicted-latency scorer.
import { stateKey } from '../../framework';

export interface PrefixMatch {
  /** Chunks (or blocks) of the prompt the index knows about. */
  totalChunks: number;
  /** Per endpoint: leading chunks it is believed to hold. */
  matched: ReadonlyMap<string, number>;
  /** Characters (or tokens, for token prompts) per chunk. */
  chunkSize: number;
}

export const PREFIX_MATCH = stateKey<PrefixMatch>('prefix-match');

/** The share of the prompt an endpoint holds, in [0,1]; 0 when nothing is known. */
export function matchRatio(m: PrefixMatch | undefined, endpointId: string): number {
  if (!m || m.totalChunks === 0) return 0;
  return (m.matched.get(endpointId) ?? 0) / m.totalChunks;
}
