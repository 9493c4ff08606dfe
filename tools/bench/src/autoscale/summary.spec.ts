import type { DesResult, RequestOutcome } from '../routing/des';
import { resultsJson, summarizeRun, type AutoscaleRun } from './summary';

const outcome = (arrivalMs: number, ttftMs: number, itlMs: number, outputTokens = 10): RequestOutcome => ({
  id: `r${arrivalMs}`,
  pod: 'pod-0',
  arrivalMs,
  ttftMs,
  itlMs,
  e2eMs: ttftMs + itlMs * (outputTokens - 1),
  pickMs: 0,
  endMs: arrivalMs + ttftMs + itlMs * (outputTokens - 1),
  promptTokens: 100,
  cachedTokens: 0,
  outputTokens,
});

function result(outcomes: RequestOutcome[]): DesResult {
  return {
    outcomes,
    durationMs: 0,
    engine: { busyMs: 0, steps: 0, sequences: 0, decodes: 0, prefillTokens: 0, preemptions: 0 },
    prefixQueries: 0,
    prefixHits: 0,
    requestsPerPod: {},
    refused: [],
    preciseFallbacks: 0,
    wallMs: 0,
    fleet: {
      pods: [
        { id: 'pod-0', pool: 'unified', gpus: 1, createdMs: 0, readyMs: 0, stoppedMs: 180_000 },
        // Added 30 s into minute 1, removed 30 s into minute 2.
        { id: 'pod-1', pool: 'unified', gpus: 1, createdMs: 90_000, readyMs: 120_000, removedMs: 150_000, stoppedMs: 150_000 },
      ],
      actions: [
        { atMs: 90_000, pool: 'unified', from: 1, to: 2 },
        { atMs: 150_000, pool: 'unified', from: 2, to: 1 },
      ],
      timeline: [],
      gpuHoursByPool: { unified: 0.0583 },
      gpuHours: 210 / 3600,
      endMs: 180_000,
    },
  };
}

describe('an autoscaled run, minute by minute', () => {
  // Minute 0 within both targets; minute 1 over on TTFT (its p90 is the 10th of 10); minute 2 over on ITL;
  // a single-token answer has no ITL and does not count against it.
  const outcomes = [
    ...Array.from({ length: 10 }, (_, i) => outcome(i * 1000, 100, 20)),
    ...Array.from({ length: 9 }, (_, i) => outcome(60_000 + i * 1000, 100, 20)),
    outcome(69_000, 900, 20),
    ...Array.from({ length: 10 }, (_, i) => outcome(120_000 + i * 1000, 100, i < 5 ? 20 : 60)),
    outcome(130_000, 100, 500, 1),
  ];
  const s = summarizeRun('t', 'p', result(outcomes), 180_000, { ttftMs: 500, itlMs: 40, percentile: 90 });

  it.each([
    [0, 10, true, 1],
    [1, 10, false, 1.5],
    [2, 11, false, 1.5],
  ])('minute %i: %i requests, met %p, %p pods holding a GPU', (minute, requests, met, pods) => {
    expect(s.minutes[minute]).toMatchObject({ minute, requests, met, pods });
  });

  it('attainment is the share of minutes within both targets; GPU-hours and actions come from the fleet', () => {
    expect(s.sloAttainment).toBeCloseTo(1 / 3, 12);
    expect(s.minutesMissed).toBe(2);
    expect(s.gpuHours).toBeCloseTo(210 / 3600, 12);
    expect(s.scalingActions).toBe(2);
    expect(s.meanPods).toBeCloseTo(4 / 3, 12);
    expect(s.maxPods).toBe(1.5);
  });

  it('a minute without requests counts as met', () => {
    const quiet = summarizeRun('t', 'p', result(outcomes.slice(0, 10)), 180_000, { ttftMs: 500, itlMs: 40, percentile: 90 });
    expect(quiet.minutes.map((m) => m.met)).toEqual([true, true, true]);
    expect(quiet.sloAttainment).toBe(1);
  });
});

describe('resultsJson', () => {
  it('writes the settings and one run per line, and reads back as the same object', () => {
    const runs = [{ trace: 'step', policy: 'slo', minutes: [{ minute: 0 }] }, { trace: 'step', policy: 'predictive', minutes: [] }] as unknown as AutoscaleRun[];
    const text = resultsJson({ args: { seed: 42 }, slo: { ttftMs: 500 } }, runs);
    expect(JSON.parse(text)).toEqual({ args: { seed: 42 }, slo: { ttftMs: 500 }, runs });
    expect(text.trimEnd().split('\n')).toHaveLength(runs.length + 2);
  });
});
