// Reads llmd.request-metrics.v1 back whole after the run (the soak owns its broker, so every record
// on it is the run's): the request ids that arrived.
import { Kafka, logLevel } from 'kafkajs';
import { requestMetricsCodec } from '@llmd/telemetry';

export async function arrivedRequestIds(bootstrap: string, timeoutMs = 60000): Promise<Set<string>> {
  const kafka = new Kafka({ clientId: 'llmd-soak', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(requestMetricsCodec.topic)).map((p) => [p.partition, Number(p.high)]));
  await admin.disconnect();
  const ids = new Set<string>();
  const remaining = new Set([...ends].filter(([, end]) => end > 0).map(([p]) => p));
  if (remaining.size === 0) return ids;
  const consumer = kafka.consumer({ groupId: `llmd-soak-read-${Date.now()}-${process.pid}` });
  await consumer.connect();
  await consumer.subscribe({ topic: requestMetricsCodec.topic, fromBeginning: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${requestMetricsCodec.topic} was not read to its end within ${timeoutMs} ms`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          const end = ends.get(partition) ?? 0;
          if (message.value && Number(message.offset) < end) ids.add(requestMetricsCodec.decode(message.value).requestId);
          if (Number(message.offset) >= end - 1) remaining.delete(partition);
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
  return ids;
}
