// The autoscaler's Prometheus metrics. The wva_* ones keep the llm-d workload-variant-autoscaler's
// names and labels (variant_name = the pool), so dashboards, HPAs and KEDA ScaledObjects written for
// WVA read llmd's decisions unchanged; the llmd_autoscaler_* ones say what the loop did.
import { Counter, Gauge, Histogram, Registry } from '@llmd/platform';
import type { ScalingDecisionRecord } from '@llmd/telemetry';
import type { RequestOutcome } from '../loop/autoscaler-loop';

const WVA_LABELS = ['variant_name', 'namespace', 'accelerator_type'] as const;

export const UNKNOWN_ACCELERATOR = 'unknown';

export class AutoscalerMetrics {
  private readonly desired: Gauge<(typeof WVA_LABELS)[number]>;
  private readonly current: Gauge<(typeof WVA_LABELS)[number]>;
  private readonly ratio: Gauge<(typeof WVA_LABELS)[number]>;
  private readonly scalings: Counter<'variant_name' | 'namespace' | 'direction' | 'reason' | 'accelerator_type'>;
  private readonly limited: Counter<'variant_name' | 'namespace' | 'limiter_name'>;
  private readonly decisions: Counter<'namespace' | 'pool' | 'reason' | 'applied'>;
  private readonly scaleErrors: Counter<'namespace' | 'pool'>;
  private readonly requests: Counter<'outcome'>;
  private readonly ready: Gauge<'namespace' | 'pool'>;
  private readonly starting: Gauge<'namespace' | 'pool'>;
  readonly syncDuration: Histogram<'status'>;
  /** The accelerator label each pool's wva_* series were set with (to remove them when it goes). */
  private readonly accelerators = new Map<string, string>();

  constructor(registry: Registry) {
    const registers = [registry];
    this.desired = new Gauge({ name: 'wva_desired_replicas', help: 'Replicas the autoscaler wants for the pool (variant), after bounds and behavior', labelNames: WVA_LABELS, registers });
    this.current = new Gauge({ name: 'wva_current_replicas', help: 'The pool\'s spec.replicas when the autoscaler decided', labelNames: WVA_LABELS, registers });
    this.ratio = new Gauge({ name: 'wva_desired_ratio', help: 'Desired over current replicas (desired when current is 0)', labelNames: WVA_LABELS, registers });
    this.scalings = new Counter({ name: 'wva_replica_scaling_total', help: 'Replica changes written, by direction and reason', labelNames: ['variant_name', 'namespace', 'direction', 'reason', 'accelerator_type'], registers });
    this.limited = new Counter({ name: 'wva_decisions_limited_total', help: 'Decisions held away from the policy\'s answer by a bound or a behavior rule', labelNames: ['variant_name', 'namespace', 'limiter_name'], registers });
    this.decisions = new Counter({ name: 'llmd_autoscaler_decisions_total', help: 'Decisions taken, by reason and whether they were written', labelNames: ['namespace', 'pool', 'reason', 'applied'], registers });
    this.scaleErrors = new Counter({ name: 'llmd_autoscaler_scale_errors_total', help: 'Failed writes of desired replicas', labelNames: ['namespace', 'pool'], registers });
    this.requests = new Counter({ name: 'llmd_autoscaler_request_records_total', help: 'Request-metrics records consumed, by outcome', labelNames: ['outcome'], registers });
    this.ready = new Gauge({ name: 'llmd_autoscaler_pool_ready_replicas', help: 'Ready pods of the pool at the last decision', labelNames: ['namespace', 'pool'], registers });
    this.starting = new Gauge({ name: 'llmd_autoscaler_pool_starting_replicas', help: 'Pods of the pool not ready yet at the last decision', labelNames: ['namespace', 'pool'], registers });
    this.syncDuration = new Histogram({ name: 'llmd_autoscaler_sync_duration_seconds', help: 'Duration of one sync (list pools, decide, write)', labelNames: ['status'], buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], registers });
  }

  decision(d: ScalingDecisionRecord, acceleratorType = UNKNOWN_ACCELERATOR): void {
    const key = `${d.namespace}/${d.pool}`;
    const previous = this.accelerators.get(key);
    if (previous !== undefined && previous !== acceleratorType) this.removeWva(d.namespace, d.pool, previous);
    this.accelerators.set(key, acceleratorType);
    const wva = { variant_name: d.pool, namespace: d.namespace, accelerator_type: acceleratorType };
    this.desired.set(wva, d.desiredReplicas);
    this.current.set(wva, d.currentReplicas);
    this.ratio.set(wva, d.currentReplicas > 0 ? d.desiredReplicas / d.currentReplicas : d.desiredReplicas);
    this.decisions.inc({ namespace: d.namespace, pool: d.pool, reason: d.reason, applied: String(d.applied) });
    if (d.limitedBy) this.limited.inc({ variant_name: d.pool, namespace: d.namespace, limiter_name: d.limitedBy });
    if (d.applied && d.desiredReplicas !== d.currentReplicas) {
      this.scalings.inc({ variant_name: d.pool, namespace: d.namespace, direction: d.desiredReplicas > d.currentReplicas ? 'up' : 'down', reason: d.reason, accelerator_type: acceleratorType });
    }
    this.ready.set({ namespace: d.namespace, pool: d.pool }, d.readyReplicas);
    this.starting.set({ namespace: d.namespace, pool: d.pool }, d.startingReplicas);
  }

  scaleError(namespace: string, pool: string): void {
    this.scaleErrors.inc({ namespace, pool });
  }

  request(outcome: RequestOutcome | 'undecodable'): void {
    this.requests.inc({ outcome });
  }

  poolGone(namespace: string, pool: string): void {
    const key = `${namespace}/${pool}`;
    const accelerator = this.accelerators.get(key);
    if (accelerator !== undefined) this.removeWva(namespace, pool, accelerator);
    this.accelerators.delete(key);
    this.ready.remove({ namespace, pool });
    this.starting.remove({ namespace, pool });
  }

  /** Drops every pool's gauges: a replica that stops leading must not export a stale desired count. */
  forgetPools(): void {
    for (const key of [...this.accelerators.keys()]) {
      const [namespace, pool] = key.split('/');
      this.poolGone(namespace, pool);
    }
  }

  private removeWva(namespace: string, pool: string, accelerator: string): void {
    const wva = { variant_name: pool, namespace, accelerator_type: accelerator };
    this.desired.remove(wva);
    this.current.remove(wva);
    this.ratio.remove(wva);
  }
}
