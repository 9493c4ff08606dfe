// The running operator: informers on its kinds and on the objects it owns, five controllers
// (LLMDeployment, ServingPool, InferenceGateway, the two policies' status) that run only while this
// replica holds the Lease, a periodic check for the InferencePool CRD, a resync, and an orderly stop
// (controllers drained, lease released, watches closed).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Controller, Informer, LeaderElector, loadKubeConfig, ObjectKey, objectKey } from '@llmd/controller-kit';
import { API_VERSION } from '@llmd/crd-types';
import type { RenderContext } from '@llmd/manifests';
import type { HealthChecks, Registry } from '@llmd/platform';
import { builtinFor } from '@llmd/tokenizer';
import type { OperatorConfig } from './config';
import { inferenceGatewayReconciler } from './controllers/inference-gateway.reconciler';
import { llmDeploymentReconciler } from './controllers/llm-deployment.reconciler';
import type { ReconcileContext } from './controllers/reconcile-context';
import { deploymentsUsingPolicy, gatewaysListing, gatewaysUsingPolicy, gatewayToDeployments } from './controllers/references';
import { policyReconciler } from './controllers/policy.reconciler';
import { servingPoolReconciler } from './controllers/serving-pool.reconciler';
import { ClusterWriter, KubeCluster } from './kube/cluster';
import { InformerStore } from './kube/object-store';
import { INFERENCE_POOLS, Kind, MANAGED_BY_SELECTOR, OWNED_KINDS, RESOURCES } from './kube/resources';
import { OperatorRole, registerOperatorMetrics } from './operator-metrics';

export interface OperatorDeps {
  logger: Logger;
  registry: Registry;
  health: HealthChecks;
  debug: Map<string, () => unknown>;
  /** Called when leadership is lost while running. @default process.exit */
  exit?: (code: number) => void;
}

type Obj = KubernetesObject;

interface Controllers {
  llmd: Controller;
  pool: Controller;
  gateway: Controller;
  schedulingPolicy: Controller;
  cachePolicy: Controller;
}

const PRIMARY: Kind[] = ['LLMDeployment', 'ServingPool', 'InferenceGateway', 'SchedulingPolicy', 'CachePolicy'];

/** True when some cluster credentials exist: a configured kubeconfig, ~/.kube/config, or a service account. */
export function clusterConfigured(config: OperatorConfig): boolean {
  return Boolean(config.kubeconfig || existsSync(join(homedir(), '.kube', 'config')) || process.env.KUBERNETES_SERVICE_HOST);
}

/**
 * A simulated pod of a model vllm-sim has no tokenizer for (it ships a few families: the brief's
 * Llama-2-70b has none) tokenizes with Llama-3's, so the example runs on vllm-sim instead of
 * crash-looping; token counts then follow Llama-3's vocabulary.
 */
export const SIM_STAND_IN_TOKENIZER = 'builtin:llama-3';
const simTokenizer = (model: string): string | undefined => (builtinFor(model) ? undefined : SIM_STAND_IN_TOKENIZER);

export class Operator {
  private role: OperatorRole = 'starting';
  private inferencePoolInstalled = false;
  private synced = false;
  private stopping = false;
  private readonly store = new InformerStore();
  private readonly informers = new Map<Kind, Informer<Obj>[]>();
  private readonly timers: NodeJS.Timeout[] = [];
  private kc?: KubeConfig;
  private cluster?: ClusterWriter;
  private controllers?: Controllers;
  private elector?: LeaderElector;
  private controllersRunning = false;
  private checking = false;

  constructor(private readonly config: OperatorConfig, private readonly deps: OperatorDeps) {
    registerOperatorMetrics(deps.registry, { role: () => this.role, inferencePoolInstalled: () => this.inferencePoolInstalled, store: () => this.store }, { watchedNamespaces: config.watchNamespaces.length, concurrency: config.concurrency });
    deps.debug.set('operator', () => ({
      identity: config.leaderElection.identity,
      role: this.role,
      synced: this.synced,
      inferencePoolInstalled: this.inferencePoolInstalled,
      watchNamespaces: config.watchNamespaces.length ? config.watchNamespaces : 'all',
    }));
  }

  get currentRole(): OperatorRole {
    return this.role;
  }

  start(): void {
    const { logger, health } = this.deps;
    if (!clusterConfigured(this.config)) {
      // `llmd up` runs every service on one machine without Kubernetes: nothing to reconcile, and saying so.
      this.role = 'idle';
      logger.warn('no kubeconfig, ~/.kube/config or in-cluster service account: the operator idles');
      health.register('kubernetes', () => false, { critical: false });
      return;
    }
    const kc = loadKubeConfig(this.config.kubeconfig);
    this.kc = kc;
    this.cluster = new KubeCluster(kc);
    for (const kind of [...PRIMARY, ...OWNED_KINDS]) this.addInformers(kind);
    this.controllers = this.makeControllers(this.cluster);

    health.register('informers-synced', () => this.synced);
    if (this.config.leaderElection.enabled) health.register('leader', () => this.role === 'leader', { critical: false });
    const ready = this.startInformers();
    ready.catch((err: Error) => logger.error({ err: err.message }, 'informers failed to start'));

    this.every(this.config.crdCheckIntervalMs, () => void this.checkInferencePoolCrd());
    this.every(this.config.resyncIntervalMs, () => this.enqueueAll());

    const { leaderElection: le } = this.config;
    if (!le.enabled) {
      void ready.then(() => this.startControllers());
      return;
    }
    this.role = 'standby';
    this.elector = new LeaderElector({
      kc,
      namespace: le.namespace,
      name: le.leaseName,
      identity: le.identity,
      logger,
      registry: this.deps.registry,
      onStartedLeading: async () => {
        logger.info({ identity: le.identity }, 'leading: starting the controllers');
        await ready;
        await this.startControllers();
      },
      onStoppedLeading: async () => {
        if (this.stopping) return;
        // As controller-runtime does: a fresh process rejoins the election with fresh caches.
        logger.error({ identity: le.identity }, 'leadership lost: stopping the controllers and exiting');
        this.role = 'standby';
        await this.stopControllers();
        (this.deps.exit ?? process.exit)(1);
      },
    });
    this.elector.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.timers) clearInterval(t);
    await this.stopControllers();
    await this.elector?.stop();
    for (const informers of this.informers.values()) for (const i of informers) i.stop();
    this.deps.logger.info('operator stopped');
  }

  private every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms);
    t.unref();
    this.timers.push(t);
  }

  private addInformers(kind: Kind): Informer<Obj>[] {
    const kc = this.kc as KubeConfig;
    const namespaces: (string | undefined)[] = this.config.watchNamespaces.length ? this.config.watchNamespaces : [undefined];
    const labelSelector = OWNED_KINDS.includes(kind) || kind === 'InferencePool' ? MANAGED_BY_SELECTOR : undefined;
    const informers = namespaces.map((namespace) => new Informer<Obj>(kc, RESOURCES[kind], { namespace, labelSelector, logger: this.deps.logger }));
    this.informers.set(kind, informers);
    this.store.set(kind, informers);
    return informers;
  }

  private async startInformers(): Promise<void> {
    const all = [...this.informers.values()].flat();
    await Promise.all([Promise.all(all.map((i) => i.start())), this.checkInferencePoolCrd()]);
    this.synced = true;
    this.deps.logger.info({ informers: all.length }, 'caches synced');
  }

  private makeControllers(cluster: ClusterWriter): Controllers {
    const { logger, registry } = this.deps;
    const { images, kafka, grpcTls } = this.config;
    const ctx: ReconcileContext = {
      store: this.store,
      cluster,
      render: (namespace): RenderContext => ({ namespace, images, kafka, grpcTls, inferencePoolInstalled: this.inferencePoolInstalled, simTokenizer }),
      now: () => new Date(),
      logger,
    };
    const common = { concurrency: this.config.concurrency, registry, logger };
    const llmd = new Controller({ name: 'llmdeployment', reconcile: llmDeploymentReconciler(ctx), ...common });
    const pool = new Controller({ name: 'servingpool', reconcile: servingPoolReconciler(ctx), ...common });
    const gateway = new Controller({ name: 'inferencegateway', reconcile: inferenceGatewayReconciler(ctx), ...common });
    const schedulingPolicy = new Controller({ name: 'schedulingpolicy', reconcile: policyReconciler(ctx, 'SchedulingPolicy'), ...common });
    const cachePolicy = new Controller({ name: 'cachepolicy', reconcile: policyReconciler(ctx, 'CachePolicy'), ...common });
    const each = (kind: Kind, fn: (i: Informer<Obj>) => void) => (this.informers.get(kind) ?? []).forEach(fn);
    const ns = (o: Obj) => o.metadata?.namespace ?? '';
    const name = (o: Obj) => o.metadata?.name ?? '';

    each('LLMDeployment', (i) => {
      llmd.watch(i);
      // A gateway's config lists its deployments: their changes (and deletion) reach it.
      gateway.watch(i, (d) => gatewaysListing(this.store, ns(d), name(d)).map(objectKey));
    });
    each('ServingPool', (i) => {
      pool.watch(i);
      llmd.watchOwned(i, 'LLMDeployment', API_VERSION);
    });
    const toDeployments = gatewayToDeployments();
    each('InferenceGateway', (i) => {
      gateway.watch(i);
      llmd.watch(i, toDeployments);
    });
    each('SchedulingPolicy', (i) => schedulingPolicy.watch(i));
    each('CachePolicy', (i) => cachePolicy.watch(i));
    for (const kind of ['SchedulingPolicy', 'CachePolicy'] as const) {
      each(kind, (i) => {
        llmd.watch(i, (p) => deploymentsUsingPolicy(this.store, kind, ns(p), name(p)));
        gateway.watch(i, (p) => gatewaysUsingPolicy(this.store, kind, ns(p), name(p)));
      });
    }
    each('Deployment', (i) => {
      pool.watchOwned(i, 'ServingPool', API_VERSION);
      gateway.watchOwned(i, 'InferenceGateway', API_VERSION);
    });
    for (const kind of ['Service', 'ConfigMap'] as const) {
      each(kind, (i) => {
        llmd.watchOwned(i, 'LLMDeployment', API_VERSION);
        gateway.watchOwned(i, 'InferenceGateway', API_VERSION);
      });
    }
    return { llmd, pool, gateway, schedulingPolicy, cachePolicy };
  }

  private async startControllers(): Promise<void> {
    if (this.stopping || this.controllersRunning || !this.controllers) return;
    this.controllersRunning = true;
    for (const c of Object.values(this.controllers)) c.start();
    this.role = 'leader';
    this.enqueueAll();
  }

  private async stopControllers(): Promise<void> {
    if (!this.controllersRunning || !this.controllers) return;
    this.controllersRunning = false;
    await Promise.all(Object.values(this.controllers).map((c) => c.stop()));
  }

  /** Every primary object into its controller's queue (the queue de-duplicates). */
  private enqueueAll(): void {
    if (!this.controllersRunning || !this.controllers) return;
    const { llmd, pool, gateway, schedulingPolicy, cachePolicy } = this.controllers;
    const key = (o: Obj): ObjectKey => objectKey(o);
    for (const o of this.store.list('LLMDeployment')) llmd.enqueue(key(o));
    for (const o of this.store.list('ServingPool')) pool.enqueue(key(o));
    for (const o of this.store.list('InferenceGateway')) gateway.enqueue(key(o));
    for (const o of this.store.list('SchedulingPolicy')) schedulingPolicy.enqueue(key(o));
    for (const o of this.store.list('CachePolicy')) cachePolicy.enqueue(key(o));
  }

  /**
   * Whether inference.networking.k8s.io/v1 InferencePools are served. A change re-renders every
   * LLMDeployment (its InferencePool appears, or its condition says the CRD is missing).
   */
  private async checkInferencePoolCrd(): Promise<void> {
    if (!this.cluster || this.stopping || this.checking) return;
    this.checking = true;
    try {
      await this.updateInferencePoolCrd(this.cluster);
    } finally {
      this.checking = false;
    }
  }

  private async updateInferencePoolCrd(cluster: ClusterWriter): Promise<void> {
    let installed: boolean;
    try {
      installed = await cluster.served(INFERENCE_POOLS);
    } catch (err) {
      this.deps.logger.warn({ err: (err as Error).message }, 'cannot tell whether the InferencePool CRD is installed');
      return;
    }
    if (installed === this.inferencePoolInstalled) return;
    this.deps.logger.info({ installed }, 'InferencePool CRD presence changed');
    if (installed) {
      const informers = this.addInformers('InferencePool');
      for (const i of informers) this.controllers?.llmd.watchOwned(i, 'LLMDeployment', API_VERSION);
      await Promise.all(informers.map((i) => i.start())).catch((err: Error) => this.deps.logger.warn({ err: err.message }, 'InferencePool watch failed to start'));
    } else {
      for (const i of this.informers.get('InferencePool') ?? []) i.stop();
      this.informers.delete('InferencePool');
      this.store.delete('InferencePool');
    }
    this.inferencePoolInstalled = installed;
    if (this.controllers) for (const o of this.store.list('LLMDeployment')) this.controllers.llmd.enqueue(objectKey(o));
  }
}
