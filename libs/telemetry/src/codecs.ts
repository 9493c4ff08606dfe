// Protobuf codecs for the topic records (proto/llmd/telemetry/v1). Generated types stay inside this file.
import { telemetryv1 } from '@llmd/proto';
import type { EndpointLoadRecord, KvEvent, KvEventBatchRecord, KvTier, BlockHashValue, RequestMetricsRecord, ScalingDecisionRecord } from './records';
import { CONTENT_TYPE_HEADER, MESSAGE_TYPE_HEADER, PROTOBUF_CONTENT_TYPE, TOPICS, TopicName } from './topics';

export interface TopicCodec<T> {
  topic: TopicName;
  /** Full protobuf message name, carried in the `message-type` header. */
  messageType: string;
  encode(record: T): Buffer;
  decode(bytes: Uint8Array): T;
}

export function recordHeaders(codec: TopicCodec<unknown>): Record<string, string> {
  return { [CONTENT_TYPE_HEADER]: PROTOBUF_CONTENT_TYPE, [MESSAGE_TYPE_HEADER]: codec.messageType };
}

export const requestMetricsCodec: TopicCodec<RequestMetricsRecord> = {
  topic: TOPICS.requestMetrics,
  messageType: 'llmd.telemetry.v1.RequestMetrics',
  encode: (r) => Buffer.from(telemetryv1.RequestMetrics.encode({ ...r, startUnixMs: BigInt(Math.round(r.startUnixMs)) }).finish()),
  decode: (b) => {
    const m = telemetryv1.RequestMetrics.decode(b);
    return { ...m, startUnixMs: Number(m.startUnixMs) };
  },
};

const ROLES: Record<string, EndpointLoadRecord['role']> = { both: 'both', prefill: 'prefill', decode: 'decode' };

export const endpointLoadCodec: TopicCodec<EndpointLoadRecord> = {
  topic: TOPICS.endpointLoad,
  messageType: 'llmd.telemetry.v1.EndpointLoad',
  encode: (r) => Buffer.from(telemetryv1.EndpointLoad.encode({ ...r, timestampUnixMs: BigInt(Math.round(r.timestampUnixMs)) }).finish()),
  decode: (b) => {
    const m = telemetryv1.EndpointLoad.decode(b);
    return { ...m, timestampUnixMs: Number(m.timestampUnixMs), role: ROLES[m.role] ?? 'both' };
  },
};

const TIER_TO_PROTO: Record<KvTier, telemetryv1.Tier> = { gpu: telemetryv1.Tier.TIER_GPU, cpu: telemetryv1.Tier.TIER_CPU, disk: telemetryv1.Tier.TIER_DISK };

function tierFromProto(t: telemetryv1.Tier): KvTier {
  return t === telemetryv1.Tier.TIER_CPU ? 'cpu' : t === telemetryv1.Tier.TIER_DISK ? 'disk' : 'gpu';
}

const U64_MAX = (1n << 64n) - 1n;

function hashToProto(h: BlockHashValue): telemetryv1.BlockHash {
  if (typeof h === 'bigint') {
    // vLLM's int hashes may be negative Python ints; they travel as their 64-bit two's complement.
    return { value: { $case: 'intHash', value: BigInt.asUintN(64, h & U64_MAX) } };
  }
  return { value: { $case: 'bytesHash', value: Buffer.from(h) } };
}

function hashFromProto(h: telemetryv1.BlockHash | undefined): BlockHashValue | undefined {
  if (!h?.value) return undefined;
  return h.value.$case === 'intHash' ? BigInt(h.value.value) : new Uint8Array(h.value.value);
}

function eventToProto(e: KvEvent): telemetryv1.KvEvent {
  switch (e.type) {
    case 'BlockStored':
      return {
        event: {
          $case: 'blockStored',
          value: {
            blockHashes: e.blockHashes.map(hashToProto),
            parentBlockHash: e.parentBlockHash === undefined ? undefined : hashToProto(e.parentBlockHash),
            tokenIds: e.tokenIds,
            blockSize: e.blockSize,
            loraName: e.loraName ?? '',
            medium: TIER_TO_PROTO[e.medium],
          },
        },
      };
    case 'BlockRemoved':
      return { event: { $case: 'blockRemoved', value: { blockHashes: e.blockHashes.map(hashToProto), medium: TIER_TO_PROTO[e.medium] } } };
    case 'AllBlocksCleared':
      return { event: { $case: 'allBlocksCleared', value: {} } };
  }
}

function eventFromProto(e: telemetryv1.KvEvent): KvEvent | undefined {
  const ev = e.event;
  if (!ev) return undefined;
  switch (ev.$case) {
    case 'blockStored': {
      const s = ev.value;
      return {
        type: 'BlockStored',
        blockHashes: s.blockHashes.map(hashFromProto).filter((h): h is BlockHashValue => h !== undefined),
        parentBlockHash: hashFromProto(s.parentBlockHash),
        tokenIds: s.tokenIds,
        blockSize: s.blockSize,
        loraName: s.loraName || undefined,
        medium: tierFromProto(s.medium),
      };
    }
    case 'blockRemoved':
      return { type: 'BlockRemoved', blockHashes: ev.value.blockHashes.map(hashFromProto).filter((h): h is BlockHashValue => h !== undefined), medium: tierFromProto(ev.value.medium) };
    case 'allBlocksCleared':
      return { type: 'AllBlocksCleared' };
  }
}

export const kvEventBatchCodec: TopicCodec<KvEventBatchRecord> = {
  topic: TOPICS.kvEvents,
  messageType: 'llmd.telemetry.v1.KvEventBatch',
  encode: (r) =>
    Buffer.from(
      telemetryv1.KvEventBatch.encode({ endpointId: r.endpointId, model: r.model, ts: r.ts, seq: BigInt(r.seq), dataParallelRank: r.dataParallelRank, events: r.events.map(eventToProto) }).finish(),
    ),
  decode: (b) => {
    const m = telemetryv1.KvEventBatch.decode(b);
    return { endpointId: m.endpointId, model: m.model, ts: m.ts, seq: Number(m.seq), dataParallelRank: m.dataParallelRank, events: m.events.map(eventFromProto).filter((e): e is KvEvent => e !== undefined) };
  },
};

const POOL_ROLES: Record<string, ScalingDecisionRecord['role']> = { unified: 'unified', prefill: 'prefill', decode: 'decode' };
const POLICIES: Record<string, ScalingDecisionRecord['policy']> = { saturation: 'saturation', slo: 'slo', predictive: 'predictive' };

export const scalingDecisionCodec: TopicCodec<ScalingDecisionRecord> = {
  topic: TOPICS.scalingDecisions,
  messageType: 'llmd.telemetry.v1.ScalingDecision',
  encode: (r) => Buffer.from(telemetryv1.ScalingDecision.encode({ ...r, timestampUnixMs: BigInt(Math.round(r.timestampUnixMs)) }).finish()),
  decode: (b) => {
    const m = telemetryv1.ScalingDecision.decode(b);
    return { ...m, timestampUnixMs: Number(m.timestampUnixMs), role: POOL_ROLES[m.role] ?? 'unified', policy: POLICIES[m.policy] ?? '' };
  },
};
