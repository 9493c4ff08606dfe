import { KvEventStats } from './kv-event-stats';

const batch = (endpointId: string, seq: number, events = 1) => ({
  endpointId, model: 'm', ts: 0, seq, dataParallelRank: 0, events: Array.from({ length: events }, () => ({ type: 'AllBlocksCleared' as const })),
});

describe('KvEventStats', () => {
  it.each([
    ['in order', [['a', 0], ['a', 1], ['a', 2]], ['applied', 'applied', 'applied'], { batches: 3, lastSeq: 2, gaps: 0 }],
    ['a replayed batch changes nothing', [['a', 0], ['a', 1], ['a', 1]], ['applied', 'applied', 'duplicate'], { batches: 2, lastSeq: 1, gaps: 0 }],
    ['a gap is counted', [['a', 0], ['a', 5]], ['applied', 'gap'], { batches: 2, lastSeq: 5, gaps: 1 }],
  ] as const)('%s', (_name, seqs, results, expected) => {
    const stats = new KvEventStats();
    expect(seqs.map(([id, seq]) => stats.apply(batch(id, seq)))).toEqual(results);
    expect(stats.endpoints()[0]).toMatchObject(expected);
  });

  it('keeps endpoints apart', () => {
    const stats = new KvEventStats();
    stats.apply(batch('a', 3, 2));
    stats.apply(batch('b', 0, 5));
    expect(stats.endpoints()).toEqual([
      { endpointId: 'a', batches: 1, events: 2, lastSeq: 3, gaps: 0 },
      { endpointId: 'b', batches: 1, events: 5, lastSeq: 0, gaps: 0 },
    ]);
  });
});
