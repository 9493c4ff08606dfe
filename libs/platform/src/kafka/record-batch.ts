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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
