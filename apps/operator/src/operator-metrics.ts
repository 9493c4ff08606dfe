// The operator's own metrics beside controller-kit's controller-runtime ones: which role this replica
// plays (leader reconciles; a standby only watches), how many objects it manages, and whether the
// InferencePool CRD is installed.
import { Gauge, Registry } from '@llmd/platform';
import type { ObjectStore } from './kube/object-store';
import type { Kind } from './kube/resources';

export type OperatorRole = 'leader' | 'standby' | 'idle' | 'starting';
const ROLES: OperatorRole[] = ['leader', 'standby', 'idle', 'starting'];
const COUNTED: Kind[] = ['LLMDeployment', 'ServingPool', 'InferenceGateway', 'SchedulingPolicy', 'CachePolicy', 'Deployment', 'Service', 'ConfigMap', 'InferencePool'];

export interface OperatorState {
  role(): OperatorRole;
  inferencePoolInstalled(): boolean;
  store(): ObjectStore | undefined;
}

export function registerOperatorMetrics(registry: Registry, state: OperatorState, config: { watchedNamespaces: number; concurrency: number }): void {
  const registers = [registry];
  new Gauge({ name: 'llmd_operator_watched_namespaces', help: 'Namespaces the operator watches (0 means all)', registers }).set(config.watchedNamespaces);
  new Gauge({ name: 'llmd_operator_reconcile_concurrency', help: 'Configured reconcile concurrency (workers per controller)', registers }).set(config.concurrency);
  new Gauge({
    name: 'llmd_operator_role',
    help: 'The role of this replica, one-hot: leader (reconciles), standby (watches, waits for the lease), idle (no cluster configured), starting',
    labelNames: ['role'],
    registers,
    collect() {
      for (const r of ROLES) this.set({ role: r }, state.role() === r ? 1 : 0);
    },
  });
  new Gauge({
    name: 'llmd_operator_inference_pool_crd_installed',
    help: 'Whether the inference.networking.k8s.io/v1 InferencePool CRD is served (1) or not (0)',
    registers,
    collect() {
      this.set(state.inferencePoolInstalled() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'llmd_operator_managed_objects',
    help: 'Objects in the operator cache by kind: its llm-d.io resources and the workload objects labelled managed-by=llmd-operator',
    labelNames: ['kind'],
    registers,
    collect() {
      const store = state.store();
      this.reset();
      if (!store) return;
      for (const kind of COUNTED) this.set({ kind }, store.list(kind).length);
    },
  });
}
