// What one autoscaled run comes to: per simulated minute, the TTFT and ITL percentiles of the
// requests that arrived in it and the pods holding GPUs; over the run, the share of minutes within
// both targets (SLO attainment), GPU-hours and scaling actions.
import type { DesResult } from '../routing/des';
import { percentile } from '../routing/report';
import type { Topology } from './topology';

export interface SloTarget {
  ttftMs: number;
  itlMs: number;
  /** @default 90 */
  percentile: number;
}

export interface MinuteFigures {
  minute: number;
  requests: number;
  ttftP: number;
  itlP: number;
  /** Pods holding a GPU, averaged over the minute (starting and draining included). */
  pods: number;
  /** The same by pool (P/D: prefill and decode). */
  podsByPool: Record<string, number>;
  met: boolean;
}

export interface AutoscaleRun {
  trace: string;
  policy: string;
  topology: Topology;
  /** Share of minutes whose TTFT and ITL percentiles are within target (minutes without requests count as met). */
  sloAttainment: number;
  /** Over every pool. */
  gpuHours: number;
  gpuHoursByPool: Record<string, number>;
  /** Changes of the replicas the policy wrote. */
  scalingActions: number;
  /** GPU-hours over static provisioning at the peak's (when that run is in the study). */
  gpuHoursVsStatic?: number;
  requests: number;
  ttftP90Ms: number;
  itlP90Ms: number;
  meanPods: number;
  meanPodsByPool: Record<string, number>;
  maxPods: number;
  /** P/D: share of the requests prefilled on the prefill pool (the rest were served whole by their decode pod). */
  prefillShare?: number;
  minutesMissed: number;
  wallSec: number;
  minutes: MinuteFigures[];
}

const MIN = 60_000;

export function summarizeRun(trace: string, policy: string, r: DesResult, durationMs: number, slo: SloTarget, topology: Topology = 'unified'): AutoscaleRun {
  const fleet = r.fleet;
  if (!fleet) throw new Error('an autoscaled run has a fleet');
  const n = Math.ceil(durationMs / MIN);
  const pools = Object.keys(fleet.gpuHoursByPool);
  const byMinute = Array.from({ length: n }, () => ({ ttft: [] as number[], itl: [] as number[] }));
  for (const o of r.outcomes) {
    const m = Math.floor(o.arrivalMs / MIN);
    if (m >= n) continue;
    byMinute[m].ttft.push(o.ttftMs);
    if (o.outputTokens > 1) byMinute[m].itl.push(o.itlMs);
  }
  const minutes = byMinute.map((b, minute) => {
    const ttftP = percentile(b.ttft, slo.percentile);
    const itlP = percentile(b.itl, slo.percentile);
    const podsByPool = Object.fromEntries(pools.map((p) => [p, podMinutes(fleet.pods.filter((x) => x.pool === p), minute * MIN, (minute + 1) * MIN)]));
    const pods = Object.values(podsByPool).reduce((a, b) => a + b, 0);
    const met = (b.ttft.length === 0 || ttftP <= slo.ttftMs) && (b.itl.length === 0 || itlP <= slo.itlMs);
    return { minute, requests: b.ttft.length, ttftP, itlP, pods, podsByPool, met };
  });
  const itl = r.outcomes.filter((o) => o.outputTokens > 1).map((o) => o.itlMs);
  return {
    trace,
    policy,
    topology,
    sloAttainment: minutes.filter((m) => m.met).length / minutes.length,
    gpuHours: fleet.gpuHours,
    gpuHoursByPool: fleet.gpuHoursByPool,
    scalingActions: fleet.actions.length,
    requests: r.outcomes.length,
    ttftP90Ms: percentile(r.outcomes.map((o) => o.ttftMs), 90),
    itlP90Ms: percentile(itl, 90),
    meanPods: minutes.reduce((a, m) => a + m.pods, 0) / minutes.length,
    meanPodsByPool: Object.fromEntries(pools.map((p) => [p, minutes.reduce((a, m) => a + m.podsByPool[p], 0) / minutes.length])),
    maxPods: Math.max(...minutes.map((m) => m.pods)),
    ...(topology === 'pd' ? { prefillShare: r.outcomes.filter((o) => o.prefillPod !== undefined).length / Math.max(1, r.outcomes.length) } : {}),
    minutesMissed: minutes.filter((m) => !m.met).length,
    wallSec: r.wallMs / 1000,
    minutes,
  };
}

/** Pods holding a GPU over [from, to), averaged (GPU-time / span). */
function podMinutes(pods: readonly { createdMs: number; stoppedMs: number }[], from: number, to: number): number {
  let ms = 0;
  for (const p of pods) ms += Math.max(0, Math.min(to, p.stoppedMs) - Math.max(from, p.createdMs));
  return ms / (to - from);
}

/** The results file: the run's settings, then one run per line (each with its minutes), so a diff shows which runs changed. */
export function resultsJson(head: Record<string, unknown>, runs: readonly AutoscaleRun[]): string {
  const top = JSON.stringify(head);
  return `${top.slice(0, -1)},"runs":[\n${runs.map((r) => JSON.stringify(r)).join(',\n')}\n]}\n`;
}
