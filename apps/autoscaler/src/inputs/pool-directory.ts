// Pure: which pool an endpoint-load record or a finished request belongs to. First by endpoint id (the
// ids the actuator lists for each pool's pods), then by the load record's `pool` field, then, for a
// request whose endpoint is not (or no longer) listed, by its model when one pool of that model can
// have served it.
import type { FinishedRequest } from '@llmd/autoscaling';
import type { EndpointLoadRecord, RequestMetricsRecord } from '@llmd/telemetry';
import { poolKey } from '../actuators/actuator';

export interface DirectoryPool {
  namespace: string;
  name: string;
  model: string;
  role: 'unified' | 'prefill' | 'decode';
  endpointIds: readonly string[];
}

/** The gateway's error code for a request no endpoint could take. */
export const NO_ENDPOINT = 'no_endpoint_available';

/** A data-parallel rank's endpoint id (`ns/pod-rank-2`) belongs to its pod (`ns/pod`). */
const baseEndpoint = (id: string): string => id.replace(/-rank-\d+$/, '');

export class PoolDirectory {
  private readonly byEndpoint = new Map<string, string>();
  private readonly byName = new Map<string, string[]>();
  private readonly pools: DirectoryPool[];

  constructor(pools: readonly DirectoryPool[]) {
    this.pools = [...pools];
    for (const p of pools) {
      const key = poolKey(p);
      for (const id of p.endpointIds) this.byEndpoint.set(id, key);
      this.byName.set(p.name, [...(this.byName.get(p.name) ?? []), key]);
    }
  }

  /** The pool of an endpoint id, when the actuator lists it. */
  endpoint(id: string): string | undefined {
    return this.byEndpoint.get(id) ?? this.byEndpoint.get(baseEndpoint(id));
  }

  /** The pool of a load snapshot: its endpoint, else its `pool` label (namespace from the id when it has one). */
  loadRecord(r: EndpointLoadRecord): string | undefined {
    const known = this.endpoint(r.endpointId);
    if (known || !r.pool) return known;
    const candidates = this.byName.get(r.pool) ?? [];
    const ns = r.endpointId.includes('/') ? r.endpointId.split('/')[0] : undefined;
    const matching = ns === undefined ? candidates : candidates.filter((k) => k.startsWith(`${ns}/`));
    return matching.length === 1 ? matching[0] : undefined;
  }

  /**
   * The pools a finished request counts for: in P/D its prefill pool (sized on TTFT) and its decode
   * pool (sized on ITL); otherwise the one pool that served it (both). Empty when none is known.
   */
  request(r: RequestMetricsRecord): string[] {
    const out = new Set<string>();
    const decode = r.decodeEndpoint ? this.endpoint(r.decodeEndpoint) ?? this.byModel(r.model, r.prefillEndpoint ? ['decode'] : ['unified', 'decode']) : undefined;
    if (decode) out.add(decode);
    if (r.prefillEndpoint) {
      const prefill = this.endpoint(r.prefillEndpoint) ?? this.byModel(r.model, ['prefill']);
      if (prefill) out.add(prefill);
    }
    return [...out];
  }

  /**
   * The pools a request refused for want of any endpoint (`no_endpoint_available`: a pool at zero,
   * or none of its pods ready) was meant for: the model's pool of each role, where one is known.
   */
  refused(r: RequestMetricsRecord): string[] {
    if (r.errorCode !== NO_ENDPOINT || !r.model) return [];
    return (['unified', 'prefill', 'decode'] as const).map((role) => this.byModel(r.model, [role])).filter((k): k is string => k !== undefined);
  }

  private byModel(model: string, roles: readonly DirectoryPool['role'][]): string | undefined {
    const matching = this.pools.filter((p) => p.model === model && roles.includes(p.role));
    return matching.length === 1 ? poolKey(matching[0]) : undefined;
  }
}

/**
 * A finished request as the policies read it (each pool then takes its own sample of it with
 * poolSample); undefined for failed requests (no latency to learn from). The record carries no
 * prefill-side cache count: a prefill pool counts no cache hits.
 */
export function requestSample(r: RequestMetricsRecord): FinishedRequest | undefined {
  if (r.httpStatus < 200 || r.httpStatus >= 300 || r.errorCode) return undefined;
  return {
    endMs: r.startUnixMs + r.e2eMs,
    ttftMs: r.ttftMs,
    itlMs: r.itlMs,
    promptTokens: r.promptTokens,
    cachedTokens: r.cachedTokens,
    outputTokens: r.completionTokens,
    viaPrefill: r.prefillEndpoint !== '',
  };
}
