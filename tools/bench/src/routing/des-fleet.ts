// The simulator's changing fleet (DesConfig.autoscaling): pools whose scaler is asked every sync
// period for the replicas it wants; added pods count GPU time from creation and take traffic once
// ready (after the start-up time), removed pods leave the endpoint list at once and stop after their
// last request. The pods themselves (engines, endpoint views) stay in the simulator; this keeps their
// lifecycle and GPU time.
import type { DesAutoscaling, DesFleetResult, DesPodLife, DesPoolObservation, DesPoolSample, DesScalingAction, RequestOutcome } from './des-config';
import type { EndpointRole } from '@llmd/scoring';

export type PodState = 'starting' | 'ready' | 'draining' | 'stopped';

/** What the fleet reads and writes of a simulated pod. */
export interface FleetPod {
  id: string;
  state: PodState;
  /** Requests routed to it and not done with it yet (a prefill pod's until the decode side pulled the KV). */
  active: number;
  /** Engine time spent stepping, in all. */
  busyMs: number;
  core: { hasWork(): boolean };
  scraped: { waiting: number; running: number; kvCacheUsage: number };
  life?: DesPodLife;
  pool?: number;
  busyMark?: number;
}

export interface FleetHost<P extends FleetPod> {
  /** Make a pod of this role (and give the scheduler a view of it); it starts as 'ready'. */
  create(role: EndpointRole): P;
  /** The pod becomes ready at `atMs` (an event back into `ready`). */
  readyAt(pod: P, atMs: number): void;
  /** The set of ready pods changed (rebuild the endpoint list). */
  changed(): void;
}

export class DesFleet<P extends FleetPod> {
  private readonly pods: P[] = [];
  private readonly spec: number[];
  private readonly actions: DesScalingAction[] = [];
  private readonly timeline: DesPoolSample[] = [];
  readonly startupMs: number;
  readonly syncMs: number;
  readonly horizonMs: number;

  constructor(
    private readonly config: DesAutoscaling,
    private readonly host: FleetHost<P>,
  ) {
    this.startupMs = (config.startupSeconds ?? 60) * 1000;
    this.syncMs = (config.syncSeconds ?? 15) * 1000;
    this.horizonMs = config.horizonMs ?? 0;
    if (!(this.syncMs > 0)) throw new Error(`autoscaling.syncSeconds must be > 0 (got ${config.syncSeconds})`);
    if (!(this.startupMs >= 0)) throw new Error(`autoscaling.startupSeconds must be >= 0 (got ${config.startupSeconds})`);
    config.pools.forEach((p) => {
      if (!config.scalers[p.name]) throw new Error(`autoscaling.scalers has no scaler for pool "${p.name}"`);
      if (!Number.isInteger(p.replicas) || p.replicas < 0) throw new Error(`autoscaling.pools[${p.name}].replicas must be an integer >= 0 (got ${p.replicas})`);
    });
    this.spec = config.pools.map((p) => p.replicas);
    // The run starts with each pool's pods up and ready.
    config.pools.forEach((p, i) => {
      for (let n = 0; n < p.replicas; n++) this.add(i, 0).state = 'ready';
    });
    for (const pod of this.pods) if (pod.life) pod.life.readyMs = 0;
    host.changed();
  }

  private add(pool: number, now: number): P {
    const spec = this.config.pools[pool];
    const pod = this.host.create(spec.role === 'unified' ? 'both' : spec.role);
    pod.pool = pool;
    pod.state = 'starting';
    pod.busyMark = pod.busyMs;
    pod.life = { id: pod.id, pool: spec.name, gpus: spec.gpusPerPod ?? 1, createdMs: now, stoppedMs: NaN };
    this.pods.push(pod);
    return pod;
  }

  /** A starting pod's start-up ended. */
  ready(pod: P, now: number): void {
    if (pod.state !== 'starting' || !pod.life || pod.pool === undefined) return;
    pod.state = 'ready';
    pod.life.readyMs = now;
    pod.busyMark = pod.busyMs;
    this.host.changed();
    this.config.scalers[this.config.pools[pod.pool].name].podReady?.((now - pod.life.createdMs) / 1000);
  }

  /** Every sync period: each pool's scaler sees its pool and sets its replicas. */
  sync(now: number): void {
    this.config.pools.forEach((spec, i) => {
      const mine = this.pods.filter((p) => p.pool === i);
      const ready = mine.filter((p) => p.state === 'ready');
      const starting = mine.filter((p) => p.state === 'starting');
      const obs: DesPoolObservation = {
        pool: spec.name,
        role: spec.role,
        nowMs: now,
        specReplicas: this.spec[i],
        readyReplicas: ready.length,
        startingReplicas: starting.length,
        drainingReplicas: mine.filter((p) => p.state === 'draining').length,
        load: ready.map((p) => ({ id: p.id, kvCacheUsage: p.scraped.kvCacheUsage, waiting: p.scraped.waiting, running: p.scraped.running })),
        busy: ready.map((p) => {
          const window = Math.min(this.syncMs, now - (p.life?.readyMs ?? 0));
          const busy = p.busyMs - (p.busyMark ?? 0);
          p.busyMark = p.busyMs;
          return window > 0 ? Math.min(1, busy / window) : 0;
        }),
      };
      const asked = this.config.scalers[spec.name].desiredReplicas(obs);
      if (!Number.isFinite(asked) || asked < 0) throw new Error(`the scaler of pool "${spec.name}" asked for ${asked} replicas`);
      const desired = Math.round(asked);
      if (desired !== this.spec[i]) this.actions.push({ atMs: now, pool: spec.name, from: this.spec[i], to: desired });
      this.spec[i] = desired;
      this.resize(i, desired, [...ready, ...starting], now);
      const after = this.pods.filter((p) => p.pool === i);
      this.timeline.push({
        atMs: now,
        pool: spec.name,
        specReplicas: desired,
        readyReplicas: after.filter((p) => p.state === 'ready').length,
        startingReplicas: after.filter((p) => p.state === 'starting').length,
        drainingReplicas: after.filter((p) => p.state === 'draining').length,
      });
    });
  }

  private resize(pool: number, desired: number, live: P[], now: number): void {
    for (let n = live.length; n < desired; n++) this.host.readyAt(this.add(pool, now), now + this.startupMs);
    if (live.length <= desired) return;
    // As a ReplicaSet picks: pods not ready yet first (newest first), then the least busy.
    const order = [...live].sort((a, b) => rank(a) - rank(b) || a.active - b.active || (b.life?.createdMs ?? 0) - (a.life?.createdMs ?? 0));
    let changed = false;
    for (const pod of order.slice(0, live.length - desired)) {
      if (!pod.life) continue;
      pod.life.removedMs = now;
      if (pod.state === 'ready') changed = true;
      pod.state = 'draining';
      this.drained(pod, now);
    }
    if (changed) this.host.changed();
  }

  /** A draining pod with nothing left to do stops (call when its work may have ended). */
  drained(pod: P, now: number): void {
    if (pod.state !== 'draining' || pod.active > 0 || pod.core.hasWork() || !pod.life) return;
    pod.state = 'stopped';
    pod.life.stoppedMs = now;
  }

  /** A finished request reaches the scalers of the pools that served it. */
  finished(outcome: RequestOutcome, served: readonly P[]): void {
    const pools = new Set(served.map((p) => p.pool));
    for (const i of pools) if (i !== undefined) this.config.scalers[this.config.pools[i].name].requestFinished?.(outcome);
  }

  result(endMs: number): DesFleetResult {
    const pods = this.pods.flatMap((p) => (p.life ? [{ ...p.life, stoppedMs: Number.isNaN(p.life.stoppedMs) ? endMs : p.life.stoppedMs }] : []));
    const gpuHoursByPool: Record<string, number> = Object.fromEntries(this.config.pools.map((p) => [p.name, 0]));
    for (const p of pods) gpuHoursByPool[p.pool] += ((p.stoppedMs - p.createdMs) * p.gpus) / 3_600_000;
    return { pods, actions: this.actions, timeline: this.timeline, gpuHoursByPool, gpuHours: Object.values(gpuHoursByPool).reduce((a, b) => a + b, 0), endMs };
  }
}

const rank = (p: FleetPod) => (p.state === 'starting' ? 0 : 1);
