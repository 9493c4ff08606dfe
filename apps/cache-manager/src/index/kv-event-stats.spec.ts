import { KvEventStats } from './kv-event-stats';

const batch = (endpointId: string, seq: number, events = 1) => ({
  endpointId, model: 'm', ts: 0, seq, dataParallelRank: 0, events: Array.from({ length: events }, () => ({ type: 'AllBlocksCleared' as const })),
});

describe('KvEventStats', () => {
  it.each([
    ['in order', [0, 1, 2], ['in-order', 'in-order', 'in-order'], { batches: 3, lastSeq: 2, gaps: 0 }],
    ['a gap is counted', [0, 5], ['in-order', 'gap'], { batches: 2, lastSeq: 5, gaps: 1 }],
    ['a restarted pod rewinds', [4, 0], ['in-order', 'rewind'], { batches: 2, lastSeq: 0, gaps: 0 }],
  ] as const)('%s', (_name, seqs, kinds, expected) => {
    const stats = new KvEventStats();
    expect(seqs.map((seq) => stats.record(batch('a', seq)))).toEqual(kinds);
    expect(stats.endpoints()[0]).toMatchObject(expected);
  });
});
