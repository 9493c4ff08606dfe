import type { ScalingDecisionRecord } from '@llmd/telemetry';
import { DecisionLog } from './decision-log';

const d = (pool: string, t: number): ScalingDecisionRecord => ({
  namespace: 'ns', pool, model: 'm', role: 'decode', policy: 'saturation', currentReplicas: 1, recommendedReplicas: 1, desiredReplicas: 1, readyReplicas: 1, startingReplicas: 0,
  reason: 'steady', message: '', limitedBy: '', inputs: {}, timestampUnixMs: t, applied: false,
});

describe('DecisionLog', () => {
  it('keeps the last N per pool, newest first, and forgets a pool', () => {
    const log = new DecisionLog(2);
    for (const t of [1, 2, 3]) log.add(d('b', t));
    log.add(d('a', 9));
    expect(Object.keys(log.view())).toEqual(['ns/a', 'ns/b']);
    expect(log.view()['ns/b'].map((x) => x.timestampUnixMs)).toEqual([3, 2]);
    log.forget('ns/b');
    expect(Object.keys(log.view())).toEqual(['ns/a']);
  });
});
