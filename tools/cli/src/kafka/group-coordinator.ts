// Waits until a fresh broker can coordinate consumer groups. The broker creates its consumer-offsets
// topic on the first FindCoordinator request and loads each partition before it answers for the
// groups hashed there; a service whose consumer asks first gets "The group coordinator is not
// available" and kafkajs logs it as an error while it retries. The CLI asks first, silently.
import { Kafka, logLevel } from 'kafkajs';
import { OFFSETS_PARTITIONS } from './kafka-broker';

/** Kafka's partition for a group: Java's String.hashCode, made non-negative, modulo the partition count. */
export function offsetsPartition(groupId: string, partitions: number): number {
  let h = 0;
  for (let i = 0; i < groupId.length; i++) h = (Math.imul(31, h) + groupId.charCodeAt(i)) | 0;
  return (h & 0x7fffffff) % partitions;
}

/** One probe group per partition of the offsets topic, so every coordinator is known to be loaded. */
export function probeGroups(partitions: number): string[] {
  const byPartition = new Map<number, string>();
  for (let i = 0; byPartition.size < partitions; i++) {
    const id = `llmd-cli-coordinator-probe-${i}`;
    const p = offsetsPartition(id, partitions);
    if (!byPartition.has(p)) byPartition.set(p, id);
  }
  return [...byPartition.values()];
}

/**
 * Waits until the broker hands out producer ids: idempotent producers (cache-manager's KV events) ask
 * for one at connect, and a fresh broker answers "The coordinator is loading" until its producer-id
 * block is allocated, which kafkajs logs while it retries.
 */
export async function waitForProducerIds(bootstrap: string, timeoutMs = 60000): Promise<void> {
  const kafka = new Kafka({ clientId: 'llmd-cli', brokers: [bootstrap], connectionTimeout: 1000, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, retry: { retries: 1, initialRetryTime: 100 } });
    try {
      await producer.connect();
      return;
    } catch (err) {
      last = (err as Error).message;
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Kafka at ${bootstrap} handed out no producer id within ${timeoutMs} ms: ${last}`);
}

export async function waitForGroupCoordinator(bootstrap: string, timeoutMs = 60000, partitions = OFFSETS_PARTITIONS): Promise<void> {
  const kafka = new Kafka({ clientId: 'llmd-cli', brokers: [bootstrap], connectionTimeout: 1000, retry: { retries: 0 }, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const deadline = Date.now() + timeoutMs;
  let last = '';
  try {
    await admin.connect();
    while (Date.now() < deadline) {
      try {
        // describeGroups finds each group's coordinator, then asks it: both succeed only once loaded.
        await admin.describeGroups(probeGroups(partitions));
        return;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  throw new Error(`Kafka at ${bootstrap} had no group coordinator within ${timeoutMs} ms: ${last}`);
}

/** A fresh broker is ready for llmd's services once it coordinates groups and hands out producer ids. */
export async function waitForBrokerServing(bootstrap: string, timeoutMs = 60000): Promise<void> {
  await waitForGroupCoordinator(bootstrap, timeoutMs);
  await waitForProducerIds(bootstrap, timeoutMs);
}
