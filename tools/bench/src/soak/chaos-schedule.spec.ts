import { chaosSchedule, formatSchedule, type ScheduleInput } from './chaos-schedule';

const input: ScheduleInput = { seed: 7, durationMs: 180000, warmupMs: 20000, cooldownMs: 30000, pods: ['sim-0', 'sim-1', 'sim-2', 'sim-3'], gateways: ['gateway', 'gateway-1'], netem: false };

describe('chaosSchedule', () => {
  it('is the same for the same seed, and differs for another', () => {
    expect(chaosSchedule(input)).toEqual(chaosSchedule(input));
    expect(chaosSchedule({ ...input, seed: 8 })).not.toEqual(chaosSchedule(input));
  });

  it.each([
    ['3 minutes', 1, 180000],
    ['30 minutes', 5, 1800000],
  ])('over %s has every fault kind, %i round(s) of each', (_name, rounds, durationMs) => {
    const faults = chaosSchedule({ ...input, durationMs });
    for (const kind of ['pod-kill', 'scheduler-kill', 'cache-manager-kill', 'gateway-kill', 'kafka-outage']) {
      expect(faults.filter((f) => f.kind === kind)).toHaveLength(rounds);
    }
    expect(faults.some((f) => f.kind === 'netem')).toBe(false);
  });

  it('keeps faults inside the window, in order, each held fault ended before the next starts', () => {
    const faults = chaosSchedule({ ...input, netem: true });
    expect(faults).toHaveLength(6);
    for (const [i, f] of faults.entries()) {
      expect(f.atMs).toBeGreaterThanOrEqual(input.warmupMs);
      expect(f.atMs + f.holdMs).toBeLessThanOrEqual(input.durationMs - input.cooldownMs);
      if (i > 0) expect(f.atMs).toBeGreaterThan(faults[i - 1].atMs + faults[i - 1].holdMs);
    }
  });

  it('kills a pod and a gateway it was given', () => {
    for (let seed = 0; seed < 20; seed++) {
      const faults = chaosSchedule({ ...input, seed });
      expect(input.pods).toContain(faults.find((f) => f.kind === 'pod-kill')?.target);
      expect(input.gateways).toContain(faults.find((f) => f.kind === 'gateway-kill')?.target);
    }
  });

  it('prints one line per fault', () => {
    const lines = formatSchedule(chaosSchedule(input));
    expect(lines).toHaveLength(5);
    expect(lines.join('\n')).toMatch(/kafka +stop the broker, start it again after \d+\.\d s/);
  });
});
