// Maps between the scheduler.v1 wire types and the scheduling framework's plain types.
import { chatRoutingText, decodeChunkHashes, type PromptDigest } from '@llmd/prefix-hash';
import { schedulerv1 } from '@llmd/proto';
import type { Endpoint, EndpointRole, SchedulingRequest } from '@llmd/scoring';

const ROLE_TO_PROTO: Record<EndpointRole, schedulerv1.EndpointRole> = {
  both: schedulerv1.EndpointRole.ENDPOINT_ROLE_BOTH,
  prefill: schedulerv1.EndpointRole.ENDPOINT_ROLE_PREFILL,
  decode: schedulerv1.EndpointRole.ENDPOINT_ROLE_DECODE,
};

export function endpointToProto(e: Endpoint): schedulerv1.Endpoint {
  return { id: e.id, address: e.address, models: [...e.models], role: ROLE_TO_PROTO[e.role], loraAdapters: [...e.loraAdapters], labels: { ...e.labels } };
}

export function endpointStateToProto(e: Endpoint): schedulerv1.EndpointState {
  return {
    endpoint: endpointToProto(e),
    waiting: e.metrics.waiting,
    running: e.metrics.running,
    kvCacheUsage: e.metrics.kvCacheUsage,
    inFlight: e.inFlight,
    healthy: e.healthy,
    lastScrapeUnixMs: BigInt(Math.round(e.metrics.scrapedAtMs)),
    inFlightPrefillTokens: e.inFlightPrefillTokens ?? 0,
  };
}

/** A caller's prompt digest, or undefined when absent or malformed (its hashes then count for nothing). */
export function digestFromProto(d: schedulerv1.PromptDigest | undefined): PromptDigest | undefined {
  if (!d || d.chunkSize === 0) return undefined;
  const hashes = decodeChunkHashes(d.chunkHashes);
  return hashes && { hashes, chunkSize: d.chunkSize, tokens: d.tokens, promptLength: d.promptLength };
}

export function requestFromProto(r: schedulerv1.PickRequest): SchedulingRequest {
  const prompt = r.prompt || chatRoutingText(r.messages);
  const digest = digestFromProto(r.promptDigest);
  return {
    requestId: r.requestId,
    model: r.model,
    prompt,
    ...(digest ? { digest } : {}),
    promptTokenIds: r.promptTokenIds.length > 0 ? r.promptTokenIds : undefined,
    messages: r.messages.length > 0 ? r.messages.map((m) => ({ role: m.role, content: m.content })) : undefined,
    sessionId: r.sessionId || undefined,
    priority: r.priority,
    maxTokens: r.maxTokens || undefined,
    tenant: r.tenant || undefined,
    ttftSloMs: r.ttftSloMs || undefined,
    fairnessId: r.fairnessId || undefined,
    reportsFirstToken: r.reportsFirstToken || undefined,
  };
}
