// The approximate prefix index behind the approximate (and, as fallback, the precise) prefix scorer:
// chained chunk hashes of what was routed where, per endpoint, in a bounded LRU.
import { ChunkHash, hashTextChunks, hashTokenChunks, LruChunkIndex, modelSeed } from '@llmd/prefix-hash';
import type { Endpoint, SchedulingRequest } from '../../framework';
import type { PrefixMatch } from './prefix-state';

export interface ApproxPrefixParams {
  /** Characters per chunk of a text prompt. @default 64 */
  chunkSize: number;
  /** Tokens per chunk of a token prompt. @default 16 */
  tokenChunkSize: number;
  /** Longest prefix considered, in chunks. @default 256 */
  maxChunks: number;
  /** Chunk hashes remembered per endpoint. @default 31250 */
  lruCapacityPerEndpoint: number;
}

export class ApproxPrefixMatcher {
  private readonly index: LruChunkIndex;

  constructor(readonly params: ApproxPrefixParams) {
    this.index = new LruChunkIndex(params.lruCapacityPerEndpoint);
  }

  hashes(request: SchedulingRequest): { hashes: ChunkHash[]; chunkSize: number } {
    const { promptTokenIds, digest } = request;
    // The caller digested the prompt (the gateway does, with this index's chunking): its hashes are
    // what hashing the text here would give. A digest made with other chunking is not comparable: no prefix.
    if (digest) {
      const chunkSize = digest.tokens ? this.params.tokenChunkSize : this.params.chunkSize;
      if (digest.chunkSize !== chunkSize) return { hashes: [], chunkSize };
      return { hashes: digest.hashes.length > this.params.maxChunks ? digest.hashes.slice(0, this.params.maxChunks) : digest.hashes, chunkSize };
    }
    // The model and adapter seed the chain: the same text under another model is another cache.
    const seed = modelSeed(request.model);
    if (promptTokenIds && promptTokenIds.length > 0) return { hashes: hashTokenChunks(promptTokenIds, this.params.tokenChunkSize, this.params.maxChunks, seed), chunkSize: this.params.tokenChunkSize };
    return { hashes: hashTextChunks(request.prompt, this.params.chunkSize, this.params.maxChunks, seed), chunkSize: this.params.chunkSize };
  }

  match(hashes: readonly ChunkHash[], chunkSize: number, endpoints: readonly Endpoint[]): PrefixMatch {
    return { totalChunks: hashes.length, chunkSize, matched: new Map(endpoints.map((e) => [e.id, this.index.matchLength(e.id, hashes)])) };
  }

  record(endpointIds: readonly string[], hashes: readonly ChunkHash[]): void {
    for (const id of endpointIds) this.index.add(id, hashes);
  }

  /** Chunk hashes held in memory across all endpoints. */
  size(): number {
    return this.index.size();
  }
}

/** The endpoints a decision placed the prompt on (decode target, and prefill target for P/D). */
export function pickedEndpoints(result: { profileResults: Readonly<Record<string, { targets: readonly Endpoint[] }>> }): string[] {
  return Object.values(result.profileResults).flatMap((r) => (r.targets[0] ? [r.targets[0].id] : []));
}
