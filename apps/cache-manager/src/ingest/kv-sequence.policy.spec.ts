import { advanceCursor, NO_CURSOR, planGap, planResume, resumeReplayFrom, SeqStamp, TopicCursor } from './kv-sequence.policy';

const s = (...seqs: number[]): SeqStamp[] => seqs.map((seq) => ({ seq, ts: 1000 + seq }));
const at = (seq: number, ts = 1000 + seq): TopicCursor => ({ kind: 'batch', seq, ts });

describe('advanceCursor', () => {
  it.each([
    ['a batch after nothing', NO_CURSOR, { seq: 0, ts: 1 }, false, at(0, 1)],
    ['a batch after a batch', at(3), { seq: 4, ts: 9 }, false, at(4, 9)],
    ['a clear after a batch', at(3), { seq: 0, ts: 9 }, true, { kind: 'cleared' }],
    ['a batch after a clear', { kind: 'cleared' } as TopicCursor, { seq: 7, ts: 2 }, false, at(7, 2)],
  ])('%s', (_name, cursor, record, clear, want) => {
    expect(advanceCursor(cursor, record, clear)).toEqual(want);
  });
});

describe('resumeReplayFrom', () => {
  it.each([
    [NO_CURSOR, 0],
    [{ kind: 'cleared' } as TopicCursor, 0],
    [at(41), 41],
  ])('%j replays from %i', (cursor, from) => {
    expect(resumeReplayFrom(cursor)).toBe(from);
  });
});

describe('planResume', () => {
  it.each<[string, TopicCursor, SeqStamp[] | undefined, ReturnType<typeof planResume>]>([
    ['a pod the topic does not know: all it replays', NO_CURSOR, s(0, 1, 2), { deliverFrom: 0, lastSeq: -1 }],
    ['a pod the topic does not know, with nothing to replay', NO_CURSOR, [], { deliverFrom: 0, lastSeq: -1 }],
    ['a pod the topic does not know, its replay socket silent', NO_CURSOR, undefined, { deliverFrom: 0, lastSeq: -1 }],
    ['a pod last cleared on the topic: all it replays', { kind: 'cleared' }, s(4, 5), { deliverFrom: 0, lastSeq: -1 }],
    ['the same pod, nothing new since', at(5), s(5), { deliverFrom: 1, lastSeq: 5 }],
    ['the same pod, two batches the dead owner never published', at(5), s(5, 6, 7), { deliverFrom: 1, lastSeq: 5 }],
    ['the same pod, its buffer starting right after the topic', at(5), s(6, 7), { deliverFrom: 0, lastSeq: 5 }],
    ['a pod whose replay socket does not answer: cleared, not trusted', at(5), undefined, { clear: 'pod-start', deliverFrom: 0, lastSeq: -1 }],
    ['a restarted pod with nothing published yet', at(5), [], { clear: 'restart', deliverFrom: 0, lastSeq: -1 }],
    ['a restarted pod that is not yet back at the same number', at(5), s(0, 1, 2).filter((r) => r.seq >= 5), { clear: 'restart', deliverFrom: 0, lastSeq: -1 }],
    ['a restarted pod past the same number (another stamp)', at(5, 1), s(5, 6), { clear: 'restart', deliverFrom: 0, lastSeq: -1 }],
    ['a pod whose buffer moved past batches nobody published', at(5), s(9, 10), { clear: 'gap-unrecoverable', deliverFrom: 0, lastSeq: -1 }],
  ])('%s', (_name, cursor, replayed, want) => {
    expect(planResume(cursor, replayed)).toEqual(want);
  });
});

describe('planGap', () => {
  it.each<[string, number, number, number[], { filled: boolean; deliver: number[] }]>([
    ['one batch, replayed', 3, 4, [3, 4, 5], { filled: true, deliver: [3] }],
    ['three batches, replayed', 3, 6, [3, 4, 5, 6], { filled: true, deliver: [3, 4, 5] }],
    ['the replay socket did not answer', 3, 6, [], { filled: false, deliver: [] }],
    ['the buffer moved past the first of them', 3, 6, [4, 5, 6], { filled: false, deliver: [4, 5] }],
    ['the buffer holds none of them', 3, 6, [7, 8], { filled: false, deliver: [] }],
    ['a hole inside the replay', 3, 7, [3, 5, 6], { filled: false, deliver: [5, 6] }],
  ])('%s', (_name, from, upTo, replayed, want) => {
    const plan = planGap(from, upTo, replayed.map((seq) => ({ seq })));
    expect({ filled: plan.filled, deliver: plan.deliver.map((r) => r.seq) }).toEqual(want);
  });
});
