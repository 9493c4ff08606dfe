import { runDes, type DesPoolObservation, type DesPoolScaler } from './des';
import { mixed } from './workloads';

/** A scaler that asks for the replicas of a fixed schedule: [fromMs, replicas] pairs, in order. */
function scripted(schedule: [number, number][], seen: DesPoolObservation[] = []): DesPoolScaler {
  return {
    desiredReplicas: (obs) => {
      seen.push(obs);
      return schedule.filter(([at]) => obs.nowMs >= at).at(-1)?.[1] ?? obs.specReplicas;
    },
  };
}

describe('the simulator with a changing fleet', () => {
  it('counts GPU time of every pod from its creation to its stop, starting and draining included', async () => {
    const r = await runDes([], {
      pods: 0,
      profile: 'load-only',
      autoscaling: {
        pools: [{ name: 'unified', role: 'unified', replicas: 1, gpusPerPod: 2 }],
        scalers: { unified: scripted([[30_000, 3], [90_000, 1]]) },
        startupSeconds: 20,
        syncSeconds: 15,
        horizonMs: 150_000,
      },
    });
    const fleet = r.fleet!;
    expect(fleet.actions).toEqual([
      { atMs: 30_000, pool: 'unified', from: 1, to: 3 },
      { atMs: 90_000, pool: 'unified', from: 3, to: 1 },
    ]);
    expect(fleet.pods).toEqual([
      { id: 'pod-0', pool: 'unified', gpus: 2, createdMs: 0, readyMs: 0, stoppedMs: 150_000 },
      { id: 'pod-1', pool: 'unified', gpus: 2, createdMs: 30_000, readyMs: 50_000, removedMs: 90_000, stoppedMs: 90_000 },
      { id: 'pod-2', pool: 'unified', gpus: 2, createdMs: 30_000, readyMs: 50_000, removedMs: 90_000, stoppedMs: 90_000 },
    ]);
    // (150 + 60 + 60) s x 2 GPUs.
    expect(fleet.gpuHours).toBeCloseTo((270 * 2) / 3600, 12);
    expect(fleet.timeline.find((s) => s.atMs === 45_000)).toEqual({ atMs: 45_000, pool: 'unified', specReplicas: 3, readyReplicas: 1, startingReplicas: 2, drainingReplicas: 0 });
  });

  it('removed pods leave the endpoint list at once and drain: no request is lost, none routed to them after', async () => {
    const requests = mixed({ seed: 3, rate: 40, count: 800, scale: 0.5 });
    const seen: DesPoolObservation[] = [];
    const r = await runDes(requests, {
      pods: 0,
      profile: 'load-only',
      autoscaling: { pools: [{ name: 'unified', role: 'unified', replicas: 3 }], scalers: { unified: scripted([[15_000, 1]], seen) } },
    });
    expect(r.outcomes).toHaveLength(requests.length);
    const removed = r.fleet!.pods.filter((p) => p.removedMs !== undefined);
    expect(removed.map((p) => p.removedMs)).toEqual([15_000, 15_000]);
    for (const pod of removed) {
      const served = r.outcomes.filter((o) => o.pod === pod.id);
      expect(served.length).toBeGreaterThan(0);
      for (const o of served) expect(o.arrivalMs + o.pickMs).toBeLessThan(15_000);
      // It stopped holding its GPU when its last request ended (it had some in flight when removed).
      const lastEnd = Math.max(...served.map((o) => o.endMs));
      expect(lastEnd).toBeGreaterThan(15_000);
      expect(pod.stoppedMs).toBe(lastEnd);
    }
    // The scaler saw the load of ready pods only, and each one's busy share of the period.
    expect(seen[0].load).toHaveLength(3);
    expect(seen[0].busy.every((b) => b > 0 && b <= 1)).toBe(true);
    expect(seen[1].load).toHaveLength(1);
    expect(seen[1].drainingReplicas + seen[1].readyReplicas).toBeGreaterThanOrEqual(1);
  });

  it('P/D: each pool scales on its own; a new decode pod takes traffic only once ready, its requests reach both pools\' scalers', async () => {
    const requests = mixed({ seed: 4, rate: 10, count: 300, scale: 0.5 });
    const finished = { prefill: 0, decode: 0 };
    const ready: number[] = [];
    const r = await runDes(requests, {
      pods: 0,
      profile: 'pd',
      autoscaling: {
        pools: [
          { name: 'prefill', role: 'prefill', replicas: 1 },
          { name: 'decode', role: 'decode', replicas: 1 },
        ],
        scalers: {
          prefill: { ...scripted([]), requestFinished: () => finished.prefill++ },
          decode: { ...scripted([[15_000, 2]]), requestFinished: () => finished.decode++, podReady: (s) => ready.push(s) },
        },
        startupSeconds: 5,
      },
    });
    expect(r.outcomes).toHaveLength(requests.length);
    expect(ready).toEqual([5]);
    const added = r.fleet!.pods.find((p) => p.createdMs === 15_000)!;
    expect(added.pool).toBe('decode');
    const onAdded = r.outcomes.filter((o) => o.pod === added.id);
    expect(onAdded.length).toBeGreaterThan(0);
    for (const o of onAdded) {
      expect(o.arrivalMs + o.pickMs).toBeGreaterThanOrEqual(20_000);
      if (o.prefillPod) expect(o.prefillPod).toBe('pod-0');
    }
    // Short prompts skip the prefill pool (the pd profile's threshold): only the others reach its scaler.
    expect(finished).toEqual({ prefill: r.outcomes.filter((o) => o.prefillPod).length, decode: requests.length });
    expect(finished.prefill).toBeGreaterThan(0);
  });
});
