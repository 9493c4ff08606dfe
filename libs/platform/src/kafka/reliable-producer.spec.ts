import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { Registry } from 'prom-client';
import { producerSessionLost, ReliableProducer } from './reliable-producer';

// A real kafkajs client aimed at a port where no broker listens: unlike the telemetry producer, this
// one keeps every record and asks its callers to stop reading instead.
describe('ReliableProducer with Kafka unreachable', () => {
  it('never drops a record, says when it is full and holds room() until it is not', async () => {
    const registry = new Registry();
    const kafka = new Kafka({ clientId: 't', brokers: ['127.0.0.1:1'], connectionTimeout: 100, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
    const producer = new ReliableProducer({ kafka, registry, logger: pino({ level: 'silent' }), metricPrefix: 'llmd_test_kv', capacity: 3, retryDelayMs: 50 });
    producer.start();
    const room = (): Promise<string> => Promise.race([producer.room().then(() => 'room'), new Promise<string>((r) => setImmediate(() => r('waiting')))]);
    for (let i = 0; i < 2; i++) producer.enqueue({ topic: 't', key: String(i), value: Buffer.from([i]), headers: {} });
    expect(producer.hasRoom()).toBe(true);
    expect(await room()).toBe('room');
    for (let i = 2; i < 5; i++) producer.enqueue({ topic: 't', key: String(i), value: Buffer.from([i]), headers: {} });
    expect(producer.hasRoom()).toBe(false);
    expect(await room()).toBe('waiting');
    const text = await registry.metrics();
    expect(text).toMatch(/llmd_test_kv_buffered_records 5/);
    expect(text).toMatch(/llmd_test_kv_buffer_full_total 1/);
    await producer.stop(100);
  });
});

describe('producerSessionLost', () => {
  it('is true for the errors that end an idempotent session, also wrapped, and false for the rest', () => {
    expect(producerSessionLost({ type: 'OUT_OF_ORDER_SEQUENCE_NUMBER' })).toBe(true);
    expect(producerSessionLost({ name: 'KafkaJSNumberOfRetriesExceeded', cause: { type: 'UNKNOWN_PRODUCER_ID' } })).toBe(true);
    expect(producerSessionLost({ originalError: { type: 'INVALID_PRODUCER_EPOCH' } })).toBe(true);
    expect(producerSessionLost({ type: 'NOT_LEADER_FOR_PARTITION' })).toBe(false);
    expect(producerSessionLost(new Error('Connection error: connect ECONNREFUSED'))).toBe(false);
    expect(producerSessionLost(undefined)).toBe(false);
  });
});
