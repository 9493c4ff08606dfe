import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { Registry } from 'prom-client';
import { BufferedProducer } from './buffered-producer';

// A real kafkajs client aimed at a port where no broker listens: the producer must keep the hot
// path unblocked, bound its buffer and count what it drops.
describe('BufferedProducer with Kafka unreachable', () => {
  it('never blocks, keeps the newest records and counts the dropped ones', async () => {
    const registry = new Registry();
    const kafka = new Kafka({ clientId: 't', brokers: ['127.0.0.1:1'], connectionTimeout: 100, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
    const producer = new BufferedProducer({ kafka, registry, logger: pino({ level: 'silent' }), capacity: 3, retryDelayMs: 50 });
    producer.start();
    for (let i = 0; i < 5; i++) producer.enqueue({ topic: 't', key: String(i), value: Buffer.from([i]), headers: {} });
    const text = await registry.metrics();
    expect(text).toMatch(/llmd_telemetry_records_dropped_total\{topic="t"\} 2/);
    expect(text).toMatch(/llmd_telemetry_buffered_records 3/);
    expect(producer.isConnected()).toBe(false);
    await producer.stop(200);
  });
});
