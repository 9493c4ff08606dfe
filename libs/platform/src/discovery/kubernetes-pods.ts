// Pods selected by label in one namespace, watched through an informer of @kubernetes/client-node
// (list, then watch with resource versions, re-listing after an error). What a pod stands for
// (endpoints, KV event sockets) is the caller's mapping; the watch reports the mapped items as they
// come and go, with the same handlers as a DirectoryRegistry.
import type { Logger } from 'pino';
import type { DirectoryRegistryHandlers } from './directory-registry';

/** What discovery needs of a pod, free of client types. */
export interface PodView {
  namespace: string;
  name: string;
  uid: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  podIP?: string;
  /** Running, Ready condition true, not being deleted, with an IP: the pod can take traffic. */
  ready: boolean;
  /** Its containers' named ports (`kv-replay`: 5558), as its spec declares them. */
  ports: Record<string, number>;
}

export interface KubernetesPodWatchOptions {
  namespace: string;
  /** matchLabels, all of which a pod must carry. */
  selector: Record<string, string>;
  /** A kubeconfig file; without it: $KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  /** Wait before re-listing after the watch fails. @default 1000 */
  restartDelayMs?: number;
}

/**
 * The container port of a model-server pod's KV-event replay socket (vLLM's `replay_endpoint`), as
 * the operator names it: `kv-replay`, `kv-replay-rN` for data-parallel rank N > 0.
 */
export function kvReplayPortName(rank: number): string {
  return rank === 0 ? 'kv-replay' : `kv-replay-r${rank}`;
}

/** Annotation overriding the pool's model list for one pod (comma-separated). */
export const MODELS_ANNOTATION = 'llm-d.ai/models';

/** The models a pod serves: its `llm-d.ai/models` annotation, else the pool's. */
export function podModels<T extends readonly string[] | undefined>(pod: PodView, poolModels: T): string[] | T {
  const annotated = pod.annotations[MODELS_ANNOTATION]
    ?.split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  return annotated && annotated.length > 0 ? annotated : poolModels;
}

/** The pod's key: `namespace/name`. */
export function podKey(pod: { namespace: string; name: string }): string {
  return `${pod.namespace}/${pod.name}`;
}

/**
 * The endpoint id of one serving rank of a pod, the same in every llmd service (the scheduler routes by
 * it, the cache-manager keys KV events by it): `namespace/name`, or `namespace/name-rank-N` when the
 * pod serves several data-parallel ranks.
 */
export function podEndpointId(pod: { namespace: string; name: string }, rank: number, ranks: number): string {
  return ranks === 1 ? podKey(pod) : `${podKey(pod)}-rank-${rank}`;
}

/** `host:port` with an IPv6 host bracketed. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function labelSelector(selector: Record<string, string>): string {
  return Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

interface PodLike {
  metadata?: { namespace?: string; name?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>; deletionTimestamp?: unknown };
  spec?: { containers?: { ports?: { name?: string; containerPort?: number }[] }[] };
  status?: { phase?: string; podIP?: string; conditions?: { type: string; status: string }[] };
}

/** Pure: the PodView of a Kubernetes Pod object. */
export function podView(pod: PodLike): PodView {
  const m = pod.metadata ?? {};
  const s = pod.status ?? {};
  const readyCondition = (s.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
  const podIP = s.podIP || undefined;
  return {
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    uid: m.uid ?? '',
    labels: { ...(m.labels ?? {}) },
    annotations: { ...(m.annotations ?? {}) },
    podIP,
    ready: s.phase === 'Running' && readyCondition && !m.deletionTimestamp && podIP !== undefined,
    ports: Object.fromEntries((pod.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).flatMap((p) => (p.name && p.containerPort ? [[p.name, p.containerPort]] : [])))),
  };
}

type ClientNode = typeof import('@kubernetes/client-node');

export class KubernetesPodWatch<T extends { id: string }> {
  private informer: { start(): Promise<void>; stop(): Promise<void> } | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private isSynced = false;
  /** Pod key -> the ids of the items it stands for now. */
  private readonly byPod = new Map<string, string[]>();

  constructor(
    private readonly options: KubernetesPodWatchOptions,
    /** The items a pod stands for (none while it is not ready); pure. */
    private readonly itemsOf: (pod: PodView) => T[],
    private readonly handlers: DirectoryRegistryHandlers<T>,
    private readonly logger: Logger,
  ) {}

  /** A pod was listed, added or changed: its items are upserted, the ones it no longer has removed. */
  onPod(pod: PodView): void {
    const key = podKey(pod);
    const items = this.itemsOf(pod);
    const previous = this.byPod.get(key) ?? [];
    const ids = new Set(items.map((i) => i.id));
    for (const id of previous) if (!ids.has(id)) this.handlers.remove(id);
    for (const item of items) this.handlers.upsert(item.id, item);
    if (items.length > 0) this.byPod.set(key, [...ids]);
    else this.byPod.delete(key);
    if (previous.length !== items.length) this.logger.info({ pod: key, ready: pod.ready, items: [...ids] }, 'kubernetes pod changed');
  }

  /** A pod was deleted: its items go. */
  onPodGone(key: string): void {
    for (const id of this.byPod.get(key) ?? []) this.handlers.remove(id);
    if (this.byPod.delete(key)) this.logger.info({ pod: key }, 'kubernetes pod gone');
  }

  /** True once the first list has been delivered (readiness). */
  synced(): boolean {
    return this.isSynced;
  }

  /** Lists the pods (delivering each as an upsert), then watches; resolves after the first list. */
  async start(): Promise<void> {
    // The client is ESM-only: Node 20.19+ loads it through require(esm). Loading it here keeps it out
    // of every process (and test runner) that never watches Kubernetes.
    const k8s = require('@kubernetes/client-node') as ClientNode;
    const kc = new k8s.KubeConfig();
    if (this.options.kubeconfig) kc.loadFromFile(this.options.kubeconfig);
    else kc.loadFromDefault();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const { namespace } = this.options;
    const selector = labelSelector(this.options.selector);
    let listed: () => void = () => undefined;
    const firstList = new Promise<void>((resolve) => (listed = resolve));
    const list = async () => {
      const result = await core.listNamespacedPod({ namespace, labelSelector: selector });
      this.isSynced = true;
      listed();
      return result;
    };
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`, list, selector);
    const deliver = (obj: PodLike) => {
      const view = podView(obj);
      if (view.name) this.onPod(view);
    };
    informer.on('add', deliver);
    informer.on('update', deliver);
    informer.on('delete', (obj: PodLike) => {
      const view = podView(obj);
      if (view.name) this.onPodGone(podKey(view));
    });
    const restart = (err: unknown) => {
      if (this.stopped) return;
      this.logger.warn({ err: err instanceof Error ? err.message : String(err), namespace, selector }, 'kubernetes pod watch failed; re-listing');
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = setTimeout(run, this.options.restartDelayMs ?? 1000);
    };
    // The informer reports list and watch failures as 'error' and then stops; a rejected start is the same.
    const run = () => {
      if (!this.stopped) informer.start().catch(restart);
    };
    informer.on('error', restart);
    this.informer = informer;
    run();
    await firstList;
    this.logger.info({ namespace, selector }, 'kubernetes pod watch started');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.informer?.stop();
  }
}
