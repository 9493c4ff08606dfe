// The KvCache gRPC service: Score (each candidate pod's cached prefix, per tier, and a weighted score)
// and Stats. Transport only; the work is in PrefixScorer.
import { sendUnaryData, ServerUnaryCall, status } from '@grpc/grpc-js';
import { cachev1 } from '@llmd/proto';
import { type KvBlockIndex, NoTokenizerError, type PrefixScorer, type ScoreInput } from '@llmd/kv-index';
import type { Logger } from 'pino';
import type { KvEventStats } from '../index/kv-event-stats';
import type { ScoreHitMetrics } from '../index/score-hit-metrics';

/** A typed failure as a gRPC status: no tokenizer is a precondition (the scheduler scores approximately), not a fault. */
function statusOf(err: Error): { code: status; details: string } {
  return { code: err instanceof NoTokenizerError ? status.FAILED_PRECONDITION : status.INTERNAL, details: err.message };
}

function inputOf(r: Pick<cachev1.ScoreRequest, 'input'>): ScoreInput | undefined {
  const i = r.input;
  if (!i) return undefined;
  if (i.$case === 'tokenIds') return { kind: 'tokens', ids: i.value.ids };
  if (i.$case === 'prompt') return { kind: 'prompt', text: i.value };
  return { kind: 'chat', messages: i.value.messages.map((m) => ({ role: m.role, content: m.content })) };
}

export function kvCacheGrpcImplementation(scorer: PrefixScorer, index: KvBlockIndex, stats: KvEventStats, logger: Logger, hits?: ScoreHitMetrics): cachev1.KvCacheServer {
  return {
    score(call: ServerUnaryCall<cachev1.ScoreRequest, cachev1.ScoreResponse>, callback: sendUnaryData<cachev1.ScoreResponse>) {
      const input = inputOf(call.request);
      if (!input) return callback({ code: status.INVALID_ARGUMENT, details: 'one of token_ids, prompt or chat is required' });
      scorer
        .score(input, call.request.model, call.request.endpointIds, call.request.loraName)
        .then(({ promptBlocks, scores, tokenization }) => {
          hits?.record(promptBlocks, scores);
          hits?.tokenized(tokenization);
          callback(null, {
            blockSize: scorer.blockSizeOf(call.request.model),
            promptBlocks,
            scores: scores.map((s) => ({
              endpointId: s.pod,
              score: s.score,
              tiers: [
                { tier: cachev1.Tier.TIER_GPU, blocks: s.hit.gpu },
                { tier: cachev1.Tier.TIER_CPU, blocks: s.hit.cpu },
                { tier: cachev1.Tier.TIER_DISK, blocks: s.hit.disk },
              ],
            })),
          });
        })
        .catch((err: Error) => {
          if (!(err instanceof NoTokenizerError)) logger.warn({ err: err.message }, 'Score failed');
          callback(statusOf(err));
        });
    },
    speculate(call: ServerUnaryCall<cachev1.SpeculateRequest, cachev1.SpeculateResponse>, callback: sendUnaryData<cachev1.SpeculateResponse>) {
      const input = inputOf(call.request);
      if (!input || !call.request.endpointId) return callback({ code: status.INVALID_ARGUMENT, details: 'endpoint_id and one of token_ids, prompt or chat are required' });
      scorer
        .speculate(input, call.request.model, call.request.endpointId, call.request.loraName, call.request.ttlMs)
        .then((blocks) => callback(null, { blocks }))
        .catch((err: Error) => callback(statusOf(err)));
    },
    stats(_call: ServerUnaryCall<cachev1.StatsRequest, cachev1.StatsResponse>, callback: sendUnaryData<cachev1.StatsResponse>) {
      callback(null, {
        indexedBlocks: BigInt(index.size()),
        endpoints: stats.endpoints().map((e) => ({ endpointId: e.endpointId, batches: BigInt(e.batches), events: BigInt(e.events), lastSeq: BigInt(Math.max(0, e.lastSeq)) })),
      });
    },
  };
}
