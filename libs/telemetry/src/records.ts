// Plain shapes of the records on llmd's topics (what producers build and consumers read).

export type KvTier = 'gpu' | 'cpu' | 'disk';

/** vLLM's ExternalBlockHash: an integer (as a bigint) or raw bytes. */
export type BlockHashValue = bigint | Uint8Array;

export type KvEvent =
  | { type: 'BlockStored'; blockHashes: BlockHashValue[]; parentBlockHash?: BlockHashValue; tokenIds: number[]; blockSize: number; loraName?: string; medium: KvTier }
  | { type: 'BlockRemoved'; blockHashes: BlockHashValue[]; medium: KvTier }
  | { type: 'AllBlocksCleared' };

export interface KvEventBatchRecord {
  endpointId: string;
  model: string;
  ts: number;
  seq: number;
  dataParallelRank: number;
  events: KvEvent[];
}

export interface EndpointLoadRecord {
  endpointId: string;
  model: string;
  pool: string;
  role: 'both' | 'prefill' | 'decode';
  timestampUnixMs: number;
  healthy: boolean;
  waiting: number;
  running: number;
  inFlight: number;
  kvCacheUsage: number;
  prefixCacheHitRate: number;
  promptTokensPerSecond: number;
  generationTokensPerSecond: number;
}

export interface RequestMetricsRecord {
  requestId: string;
  model: string;
  tenant: string;
  startUnixMs: number;
  ttftMs: number;
  itlMs: number;
  e2eMs: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  decodeEndpoint: string;
  prefillEndpoint: string;
  httpStatus: number;
  errorCode: string;
  stream: boolean;
  failOpen: boolean;
  traceId: string;
  endpointPath: string;
}

/** One decision of the autoscaler for one pool (llmd.scaling-decisions.v1). */
export interface ScalingDecisionRecord {
  namespace: string;
  pool: string;
  model: string;
  role: 'unified' | 'prefill' | 'decode';
  /** Empty when no policy ran (an invalid autoscaling spec). */
  policy: '' | 'saturation' | 'slo' | 'predictive';
  currentReplicas: number;
  recommendedReplicas: number;
  desiredReplicas: number;
  readyReplicas: number;
  startingReplicas: number;
  reason: string;
  message: string;
  /** Empty when no bound or behavior rule limited the change. */
  limitedBy: string;
  inputs: Record<string, number>;
  timestampUnixMs: number;
  /** Written to the pool's scale subresource. */
  applied: boolean;
}
