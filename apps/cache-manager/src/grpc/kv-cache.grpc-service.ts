// The KvCache gRPC service. Stats reports the KV-event stream as ingested; Score answers UNIMPLEMENTED
// until the block index exists (the scheduler then falls back to approximate prefix scoring).
import { sendUnaryData, ServerUnaryCall, status } from '@grpc/grpc-js';
import { cachev1 } from '@llmd/proto';
import type { KvEventStats } from '../index/kv-event-stats';

export function kvCacheGrpcImplementation(stats: KvEventStats): cachev1.KvCacheServer {
  return {
    score(_call: ServerUnaryCall<cachev1.ScoreRequest, cachev1.ScoreResponse>, callback: sendUnaryData<cachev1.ScoreResponse>) {
      callback({ code: status.UNIMPLEMENTED, details: 'KvCache.Score needs the KV-block index, which this cache-manager build does not have yet' });
    },
    stats(_call: ServerUnaryCall<cachev1.StatsRequest, cachev1.StatsResponse>, callback: sendUnaryData<cachev1.StatsResponse>) {
      callback(null, {
        indexedBlocks: 0n,
        endpoints: stats.endpoints().map((e) => ({ endpointId: e.endpointId, batches: BigInt(e.batches), events: BigInt(e.events), lastSeq: BigInt(Math.max(0, e.lastSeq)) })),
      });
    },
  };
}
