import type { TelemetryRecord } from './buffered-producer';
import { MAX_BATCH_BYTES, nextBatch } from './record-batch';

const record = (bytes: number): TelemetryRecord => ({ topic: 't', key: 'sim-0', value: Buffer.alloc(bytes), headers: { 'content-type': 'application/x-protobuf' } });

describe('nextBatch', () => {
  it.each([
    ['small records: the count bounds it', 1000, 100, 500, 500],
    ['a backlog of large records: the bytes bound it', 1000, 8 * 1024, 500, 63],
    ['fewer records than the count', 10, 100, 500, 10],
    ['one record over the byte bound still goes (alone)', 3, MAX_BATCH_BYTES * 2, 500, 1],
  ])('%s', (_name, queued, size, maxRecords, expected) => {
    const queue = Array.from({ length: queued }, () => record(size));
    const batch = nextBatch(queue, maxRecords);
    expect(batch).toHaveLength(expected);
    expect(batch[0]).toBe(queue[0]);
  });

  it('keeps every batch of a large backlog under the bound', () => {
    const queue = Array.from({ length: 2000 }, (_, i) => record(1000 + (i % 7) * 3000));
    let sent = 0;
    while (sent < queue.length) {
      const batch = nextBatch(queue.slice(sent), 500);
      expect(batch.reduce((n, r) => n + r.value.length, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
      sent += batch.length;
    }
    expect(sent).toBe(2000);
  });
});
