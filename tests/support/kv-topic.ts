// Reads the KV-event topic back in tests: every record between two offset snapshots, and the
// snapshots themselves (the end of each partition now).
import { Kafka, logLevel } from 'kafkajs';
import { KV_CLEAR_REASON_HEADER, KvEventBatchRecord, kvEventBatchCodec } from '@llmd/telemetry';

export type Offsets = Map<number, number>;

export interface KvTopicRecord {
  partition: number;
  offset: number;
  record: KvEventBatchRecord;
  /** Set on the clears cache-manager publishes (not a batch of the pod's own). */
  clearReason?: string;
}

function client(bootstrap: string): Kafka {
  return new Kafka({ clientId: 'llmd-e2e', brokers: [bootstrap], logLevel: logLevel.NOTHING });
}

export async function endOffsets(bootstrap: string): Promise<Offsets> {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(kvEventBatchCodec.topic)).map((p) => [p.partition, Number(p.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** Every record in [from, to) of each partition, in partition order. */
export async function readKvTopic(bootstrap: string, from: Offsets, to: Offsets, timeoutMs = 30000): Promise<KvTopicRecord[]> {
  const want = [...to].filter(([p, end]) => end > (from.get(p) ?? 0));
  const out: KvTopicRecord[] = [];
  if (want.length === 0) return out;
  const consumer = client(bootstrap).consumer({ groupId: `llmd-e2e-read-${Date.now()}-${Math.random().toString(36).slice(2)}` });
  await consumer.connect();
  await consumer.subscribe({ topic: kvEventBatchCodec.topic, fromBeginning: true });
  const remaining = new Set(want.map(([p]) => p));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the KV-event topic was not read to its end within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const offset = Number(message.offset);
          const end = to.get(partition) ?? 0;
          if (offset >= (from.get(partition) ?? 0) && offset < end && message.value) {
            const clear = message.headers?.[KV_CLEAR_REASON_HEADER];
            out.push({ partition, offset, record: kvEventBatchCodec.decode(message.value), ...(clear !== undefined ? { clearReason: String(clear) } : {}) });
          }
          if (offset >= end - 1) remaining.delete(partition);
          if (remaining.size === 0) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
