// Reads llmd's topics back in tests: waits for the first record matching a predicate.
import { Kafka, logLevel } from 'kafkajs';
import type { TopicCodec } from '@llmd/telemetry';

export async function waitForRecord<T>(bootstrap: string, codec: TopicCodec<T>, match: (record: T, key: string) => boolean, timeoutMs = 30000): Promise<{ record: T; key: string; headers: Record<string, string> }> {
  const kafka = new Kafka({ clientId: 'llmd-e2e', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `llmd-e2e-${Date.now()}-${Math.random().toString(36).slice(2)}` });
  await consumer.connect();
  await consumer.subscribe({ topic: codec.topic, fromBeginning: true });
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching record on ${codec.topic} within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (!message.value) return;
          const record = codec.decode(message.value);
          const key = message.key?.toString() ?? '';
          if (match(record, key)) {
            clearTimeout(timer);
            const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
            resolve({ record, key, headers });
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
}
