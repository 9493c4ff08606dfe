import { InMemoryKvBlockIndex } from './in-memory-index';
import { InstrumentedKvBlockIndex } from './instrumented-index';
import { describeIndexConformance } from './testing';

describeIndexConformance('InMemoryKvBlockIndex', (max) => new InMemoryKvBlockIndex(max));

const silent = { added: () => undefined, removed: () => undefined, cleared: () => undefined, lookedUp: () => undefined };
describeIndexConformance('InstrumentedKvBlockIndex(InMemoryKvBlockIndex)', (max) => new InstrumentedKvBlockIndex(new InMemoryKvBlockIndex(max), silent));

describe('InstrumentedKvBlockIndex', () => {
  it('reports every operation', () => {
    const seen: string[] = [];
    const idx = new InstrumentedKvBlockIndex(new InMemoryKvBlockIndex(10), {
      added: (n) => seen.push(`added ${n}`),
      removed: (n) => seen.push(`removed ${n}`),
      cleared: () => seen.push('cleared'),
      lookedUp: (_ms, n, hits) => seen.push(`lookup ${n} ${hits}`),
    });
    idx.add([1, 2], 'a', 'gpu', 0);
    idx.lookup([1, 2, 3]);
    idx.remove([1], 'a');
    idx.clearPod('a');
    expect(seen).toEqual(['added 2', 'lookup 3 1', 'removed 1', 'cleared']);
  });
});
