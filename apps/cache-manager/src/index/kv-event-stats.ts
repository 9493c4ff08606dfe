// Per-endpoint bookkeeping of the KV-event stream: batches, events, the highest sequence number seen,
// and sequence gaps (a gap means events were lost and the endpoint's index entries are suspect).
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

  /** Applies one batch; a batch at or below the last sequence number is a replay and changes nothing. */
  apply(batch: KvEventBatchRecord): 'applied' | 'duplicate' | 'gap' {
    const s = this.byEndpoint.get(batch.endpointId) ?? { endpointId: batch.endpointId, batches: 0, events: 0, lastSeq: -1, gaps: 0 };
    this.byEndpoint.set(batch.endpointId, s);
    if (batch.seq <= s.lastSeq) return 'duplicate';
    const gap = s.lastSeq >= 0 && batch.seq > s.lastSeq + 1;
    if (gap) s.gaps++;
    s.batches++;
    s.events += batch.events.length;
    s.lastSeq = batch.seq;
    return gap ? 'gap' : 'applied';
  }

  endpoints(): EndpointEventStats[] {
    return [...this.byEndpoint.values()].map((s) => ({ ...s }));
  }
}
