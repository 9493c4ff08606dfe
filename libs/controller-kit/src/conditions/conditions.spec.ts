import { Condition, getCondition, isConditionTrue, removeCondition, rfc3339, setCondition } from './conditions';

const T0 = new Date('2026-03-01T10:00:00.789Z');
const T1 = new Date('2026-03-01T11:30:00Z');
const ready = (status: Condition['status'], reason = 'R', at = '2026-03-01T10:00:00Z', observedGeneration = 1): Condition => ({ type: 'Ready', status, observedGeneration, lastTransitionTime: at, reason, message: reason.toLowerCase() });

describe('setCondition', () => {
  it.each([
    ['adds a condition to no list', undefined, { type: 'Ready', status: 'True' as const, reason: 'Up', message: 'up' }, 2, [{ type: 'Ready', status: 'True', observedGeneration: 2, lastTransitionTime: '2026-03-01T10:00:00Z', reason: 'Up', message: 'up' }]],
    ['keeps lastTransitionTime when the status is unchanged, updating the rest', [ready('True', 'Up')], { type: 'Ready', status: 'True' as const, reason: 'StillUp', message: 'still' }, 3, [{ type: 'Ready', status: 'True', observedGeneration: 3, lastTransitionTime: '2026-03-01T10:00:00Z', reason: 'StillUp', message: 'still' }]],
    ['moves lastTransitionTime when the status changes', [ready('True', 'Up')], { type: 'Ready', status: 'False' as const, reason: 'Down', message: 'down' }, 3, [{ type: 'Ready', status: 'False', observedGeneration: 3, lastTransitionTime: '2026-03-01T11:30:00Z', reason: 'Down', message: 'down' }]],
  ])('%s', (_name, before, c, generation, expected) => {
    const now = before ? T1 : T0;
    expect(setCondition(before, c, generation, now)).toEqual(expected);
  });

  it('keeps the other conditions and their order, and does not change its input', () => {
    const before: Condition[] = [ready('True'), { ...ready('False', 'Idle'), type: 'Progressing' }];
    const snapshot = structuredClone(before);
    const after = setCondition(before, { type: 'Degraded', status: 'False', reason: 'Fine', message: '' }, 4, T1);
    expect(before).toEqual(snapshot);
    expect(after.map((c) => c.type)).toEqual(['Ready', 'Progressing', 'Degraded']);
    const again = setCondition(after, { type: 'Progressing', status: 'True', reason: 'Rolling', message: 'rolling' }, 4, T1);
    expect(again.map((c) => c.type)).toEqual(['Ready', 'Progressing', 'Degraded']);
    expect(after[1].status).toBe('False');
  });

  it('is idempotent: setting the same condition twice gives the same list', () => {
    const once = setCondition(undefined, { type: 'Ready', status: 'True', reason: 'Up', message: 'up' }, 1, T0);
    expect(setCondition(once, { type: 'Ready', status: 'True', reason: 'Up', message: 'up' }, 1, T1)).toEqual(once);
  });
});

describe('condition helpers', () => {
  const list = [ready('True'), { ...ready('False'), type: 'Degraded' }];
  it.each([
    ['Ready', true],
    ['Degraded', false],
    ['Missing', false],
  ])('isConditionTrue(%s) is %s', (type, expected) => expect(isConditionTrue(list, type)).toBe(expected));

  it('gets and removes by type', () => {
    expect(getCondition(list, 'Degraded')?.status).toBe('False');
    expect(getCondition(undefined, 'Ready')).toBeUndefined();
    expect(removeCondition(list, 'Ready').map((c) => c.type)).toEqual(['Degraded']);
    expect(list).toHaveLength(2);
  });

  it('writes metav1.Time at whole seconds', () => {
    expect(rfc3339(T0)).toBe('2026-03-01T10:00:00Z');
  });
});
