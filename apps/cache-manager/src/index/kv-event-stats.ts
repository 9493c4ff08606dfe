// Per-endpoint bookkeeping of the KV-event topic as consumed: batches, events, the highest sequence
// number seen, and sequence gaps seen on the topic (informational: the ingester fills or clears gaps
// before publishing, and applying a batch twice changes nothing).
import type { KvEventBatchRecord } from '@llmd/telemetry';

export interface EndpointEventStats {
  endpointId: string;
  batches: number;
  events: number;
  lastSeq: number;
  gaps: number;
}

export class KvEventStats {
  private readonly byEndpoint = new Map<string, EndpointEventStats>();

  record(batch: KvEventBatchRecord): 'in-order' | 'gap' | 'rewind' {
    const s = this.byEndpoint.get(batch.endpointId) ?? { endpointId: batch.endpointId, batches: 0, events: 0, lastSeq: -1, gaps: 0 };
    this.byEndpoint.set(batch.endpointId, s);
    const kind = s.lastSeq < 0 || batch.seq === s.lastSeq + 1 ? 'in-order' : batch.seq > s.lastSeq + 1 ? 'gap' : 'rewind';
    if (kind === 'gap') s.gaps++;
    s.batches++;
    s.events += batch.events.length;
    s.lastSeq = batch.seq;
    return kind;
  }

  /** One endpoint's bookkeeping, if any batch of it was read. */
  of(endpointId: string): EndpointEventStats | undefined {
    const s = this.byEndpoint.get(endpointId);
    return s && { ...s };
  }

  /** Puts back an endpoint's bookkeeping from a checkpoint. */
  restore(s: EndpointEventStats): void {
    this.byEndpoint.set(s.endpointId, { ...s });
  }

  endpoints(): EndpointEventStats[] {
    return [...this.byEndpoint.values()].map((s) => ({ ...s }));
  }
}
