// What both of the producers do with a batch of queued records: one kafkajs topic-messages entry per
// topic, records in queue order (so a key's records keep their order on its partition).
import type { TelemetryRecord } from './buffered-producer';

export function groupByTopic(records: readonly TelemetryRecord[]): { topic: string; messages: { key: string; value: Buffer; headers: Record<string, string> }[] }[] {
  const byTopic = new Map<string, { key: string; value: Buffer; headers: Record<string, string> }[]>();
  for (const r of records) {
    const list = byTopic.get(r.topic) ?? [];
    list.push({ key: r.key, value: r.value, headers: r.headers });
    byTopic.set(r.topic, list);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * Bytes one send may carry at most. The broker refuses a partition's record batch over its
 * message.max.bytes (1 MiB by default) and a refused send is retried as it was: a backlog sent as one
 * count-sized batch of large records (KV events after an outage) would never get through.
 */
export const MAX_BATCH_BYTES = 512 * 1024;

/** Kafka's per-record overhead in a v2 record batch, rounded up (lengths, offsets, timestamp deltas). */
const RECORD_OVERHEAD_BYTES = 32;

/** The records of the next send: from the head of `queue`, at most `maxRecords` and `maxBytes` (always at least one). */
export function nextBatch(queue: readonly TelemetryRecord[], maxRecords: number, maxBytes = MAX_BATCH_BYTES): TelemetryRecord[] {
  let bytes = 0;
  let n = 0;
  for (; n < queue.length && n < maxRecords; n++) {
    const r = queue[n];
    let size = RECORD_OVERHEAD_BYTES + Buffer.byteLength(r.key) + r.value.length;
    for (const [k, v] of Object.entries(r.headers)) size += Buffer.byteLength(k) + Buffer.byteLength(v) + 2;
    if (n > 0 && bytes + size > maxBytes) break;
    bytes += size;
  }
  return queue.slice(0, Math.max(1, Math.min(n, queue.length)));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
