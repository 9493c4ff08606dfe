import { PoolAutoscaler } from './pool-autoscaler';
import { feed, observe, spec } from './testing/pool-fixtures';
import { seededRandom } from './testing/prng';
import type { ScalingDecision } from './types';

const mix = { promptTokens: 500, cachedTokens: 0, outputTokens: 100, ttftMs: 80, itlMs: 9 };
const SYNC = 15_000;

describe('PoolAutoscaler: decisions', () => {
  it('a decision carries the policy, the counts, a reason, a sentence and the figures', () => {
    const a = new PoolAutoscaler({ spec: spec({ maxReplicas: 8 }), role: 'unified' });
    const d = a.decide(observe(1_000_000, 2, { kv: 0.72 }));
    expect(d).toMatchObject({ atMs: 1_000_000, policy: 'saturation', current: 2, recommended: 3, desired: 3, reason: 'spare-kv-low' });
    expect(d.limitedBy).toBeUndefined();
    expect(d.message).toMatch(/spare KV 0\.080/);
    expect(d.inputs).toMatchObject({ readyReplicas: 2, startingReplicas: 0 });
    expect(d.inputs.spareKv).toBeCloseTo(0.08, 9);
  });

  it('names the binding constraint: maxReplicas', () => {
    const a = new PoolAutoscaler({ spec: spec({ maxReplicas: 2 }), role: 'decode' });
    expect(a.decide(observe(0, 2, { kv: 0.75 }))).toMatchObject({ recommended: 3, desired: 2, limitedBy: 'maxReplicas' });
  });

  it('applies the scale-down window of the spec (default 300 s)', () => {
    const a = new PoolAutoscaler({ spec: spec({ maxReplicas: 8 }), role: 'decode' });
    const first = a.decide(observe(0, 4, { kv: 0.7 })); // steady: spare 0.1, not < 0.1
    expect(first.desired).toBe(4);
    const later = a.decide(observe(SYNC, 4, { kv: 0.1 }));
    expect(later).toMatchObject({ recommended: 3, desired: 4, limitedBy: 'scaleDownStabilization' });
    const after = a.decide(observe(300_001, 4, { kv: 0.1 }));
    expect(after).toMatchObject({ recommended: 3, desired: 3 });
  });

  it('updateSpec applies new bounds from the next decision', () => {
    const a = new PoolAutoscaler({ spec: spec({ maxReplicas: 8 }), role: 'decode' });
    a.updateSpec(spec({ maxReplicas: 3 }));
    expect(a.decide(observe(0, 5))).toMatchObject({ desired: 3, limitedBy: 'maxReplicas' });
  });

  it.each([
    [{ specReplicas: -1 }, /obs\.specReplicas/],
    [{ readyReplicas: 1.5 }, /obs\.readyReplicas/],
    [{ nowMs: Number.NaN }, /obs\.nowMs/],
    [{ load: [{ id: 'x', kvCacheUsage: -0.1, waiting: 0, running: 0 }] }, /obs\.load\[0\]\.kvCacheUsage/],
  ])('rejects a bad observation naming the field (%j)', (bad, message) => {
    const a = new PoolAutoscaler({ spec: spec({ maxReplicas: 8 }), role: 'decode' });
    expect(() => a.decide({ ...observe(0, 2), ...bad })).toThrow(message);
  });

  it('rejects bad samples and options naming the field', () => {
    const a = new PoolAutoscaler({ spec: spec({ maxReplicas: 8 }), role: 'decode' });
    expect(() => a.record({ ...mix, endMs: 0, promptTokens: -1 })).toThrow(/sample\.promptTokens/);
    expect(() => a.observeStartup(-3)).toThrow(/startup/);
    expect(() => new PoolAutoscaler({ spec: spec({ maxReplicas: 8 }), role: 'decode', binSeconds: 0 })).toThrow(/binSeconds/);
  });

  it('is deterministic: the same inputs give the same decisions', () => {
    const run = () => {
      const a = new PoolAutoscaler({ spec: spec({ maxReplicas: 8 }), role: 'decode' });
      const rnd = seededRandom(3);
      return Array.from({ length: 40 }, (_, k) => a.decide(observe(k * SYNC, 3, { kv: 0.4 + 0.4 * rnd() })));
    };
    expect(run()).toEqual(run());
  });
});

describe('PoolAutoscaler: scale to zero', () => {
  const zeroSpec = spec({ maxReplicas: 4, minReplicas: 0, scaleToZero: true, behavior: { scaleDown: { stabilizationWindowSeconds: 60 } } });

  it('goes to zero only after the idle period and the scale-down window, and wakes on waiting requests', () => {
    const a = new PoolAutoscaler({ spec: zeroSpec, role: 'unified', idleSeconds: 300 });
    feed(a, 0, 30_000, 2, mix);
    const seq: ScalingDecision[] = [];
    let replicas = 1;
    for (let t = 30_000; t <= 600_000; t += SYNC) {
      const d = a.decide(observe(t, replicas, { kv: replicas > 0 ? 0.05 : 0, running: 0 }));
      if (d.desired !== replicas) a.scaled(t, replicas, d.desired);
      replicas = d.desired;
      seq.push(d);
    }
    const firstIdle = seq.find((d) => d.reason === 'idle-to-zero');
    const firstZero = seq.find((d) => d.desired === 0);
    expect(firstIdle?.atMs).toBe(330_000); // the last request ended at 30 s; idle for 300 s
    // then the 60 s window (t - 60 s, t] must hold only zeros: the first sync whose window starts after 315 s
    expect(firstZero?.atMs).toBe(330_000 + 60_000 - SYNC);
    const wake = a.decide({ nowMs: 700_000, specReplicas: 0, readyReplicas: 0, startingReplicas: 0, load: [], queuedRequests: 3 });
    expect(wake).toMatchObject({ reason: 'wake-from-zero', recommended: 1, desired: 1 });
    const quiet = a.decide({ nowMs: 715_000, specReplicas: 0, readyReplicas: 0, startingReplicas: 0, load: [] });
    expect(quiet).toMatchObject({ reason: 'no-traffic', desired: 0 });
  });

  it('never takes silent inputs (no snapshot from its ready replicas) for an idle pool', () => {
    const a = new PoolAutoscaler({ spec: zeroSpec, role: 'unified', idleSeconds: 0 });
    for (let t = 0; t <= 300_000; t += SYNC) {
      const d = a.decide(observe(t, 2, {}, { load: [] }));
      expect(d.desired).toBeGreaterThan(0);
      expect(d.reason).not.toBe('idle-to-zero');
    }
  });

  it('never goes to zero without scaleToZero', () => {
    const a = new PoolAutoscaler({ spec: spec({ maxReplicas: 4, behavior: { scaleDown: { stabilizationWindowSeconds: 0 } } }), role: 'unified', idleSeconds: 0 });
    for (let t = 0; t <= 900_000; t += SYNC) {
      const d = a.decide(observe(t, 1, { kv: 0, running: 0 }));
      expect(d.reason).not.toBe('idle-to-zero');
      expect(d.desired).toBe(1);
    }
    // a pool at zero without scaleToZero goes back to its minimum
    expect(a.decide({ nowMs: 915_000, specReplicas: 0, readyReplicas: 0, startingReplicas: 0, load: [] })).toMatchObject({ desired: 1, limitedBy: 'minReplicas' });
  });
});

describe('PoolAutoscaler: flapping', () => {
  /**
   * A total load (in KV units) noisy around what 2-3 replicas hold, spread evenly over the current
   * replicas; the actuator applies each change at once and new pods are ready at once.
   */
  function simulate(behavior: Record<string, unknown> | undefined, seconds: number): ScalingDecision[] {
    const a = new PoolAutoscaler({ spec: spec({ maxReplicas: 10, ...(behavior ? { behavior } : {}) }), role: 'decode' });
    const rnd = seededRandom(42);
    let replicas = 3;
    const out: ScalingDecision[] = [];
    for (let t = 0; t <= seconds * 1000; t += SYNC) {
      const total = 1.75 + (rnd() - 0.5) * 1.2; // 1.15 .. 2.35: up above 2.1 on 3, down-safe below 1.4 on 3
      const d = a.decide(observe(t, replicas, { kv: total / replicas, running: 4 }));
      if (d.desired !== replicas) a.scaled(t, replicas, d.desired);
      replicas = d.desired;
      out.push(d);
    }
    return out;
  }

  /** Each change of the desired count with its time and direction. */
  function changes(ds: ScalingDecision[]): { atMs: number; dir: 1 | -1 }[] {
    const out: { atMs: number; dir: 1 | -1 }[] = [];
    for (let i = 1; i < ds.length; i++) if (ds[i].desired !== ds[i - 1].desired) out.push({ atMs: ds[i].atMs, dir: ds[i].desired > ds[i - 1].desired ? 1 : -1 });
    return out;
  }

  function reversalsWithin(ds: ScalingDecision[], upWindowMs: number, downWindowMs: number): number {
    const c = changes(ds);
    let bad = 0;
    for (let i = 1; i < c.length; i++) {
      if (c[i].dir === c[i - 1].dir) continue;
      const window = c[i].dir === -1 ? downWindowMs : upWindowMs;
      if (c[i].atMs - c[i - 1].atMs < window) bad++;
    }
    return bad;
  }

  it('the raw recommendations flap; the desired count never turns down within 300 s of a scale-up (HPA default behavior)', () => {
    const ds = simulate(undefined, 2 * 3600);
    const rawTurns = ds.filter((d, i) => i > 0 && Math.sign(d.recommended - d.current) !== 0 && Math.sign(d.recommended - d.current) !== Math.sign(ds[i - 1].recommended - ds[i - 1].current)).length;
    expect(rawTurns).toBeGreaterThan(20);
    expect(changes(ds).length).toBeGreaterThan(0);
    expect(reversalsWithin(ds, 0, 300_000)).toBe(0);
  });

  it('with an up-window too, it never turns either way inside the window', () => {
    const ds = simulate({ scaleUp: { stabilizationWindowSeconds: 120 }, scaleDown: { stabilizationWindowSeconds: 300 } }, 2 * 3600);
    expect(reversalsWithin(ds, 120_000, 300_000)).toBe(0);
    const seq = ds.map((d) => d.desired);
    expect(Math.max(...seq) - Math.min(...seq)).toBeLessThanOrEqual(2);
  });

  it('without stabilization the same signal flaps', () => {
    const ds = simulate({ scaleUp: { stabilizationWindowSeconds: 0 }, scaleDown: { stabilizationWindowSeconds: 0 } }, 2 * 3600);
    expect(reversalsWithin(ds, 120_000, 300_000)).toBeGreaterThan(5);
  });
});
