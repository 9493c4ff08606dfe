// Endpoints from Kubernetes: the ready pods a label selector picks in a namespace, one endpoint per
// target port. A pod that stops being ready, or goes, leaves the candidates at once; a new IP (a pod
// recreated under the same name) replaces the old endpoint.
import { hostPort, KubernetesPodWatch, podEndpointId, podKey, PodView } from '@llmd/platform';
import type { EndpointRole } from '@llmd/scoring';
import type { Logger } from 'pino';
import type { KubernetesDiscoveryConfig } from '../config';
import type { EndpointRegistry, EndpointSpec } from './endpoint-registry';

/** Annotation overriding the pool's model list for one pod (comma-separated). */
export const MODELS_ANNOTATION = 'llm-d.ai/models';
/** Annotation selecting the metric names to scrape: `vllm` (default) or `sglang`. */
export const METRICS_FORMAT_ANNOTATION = 'llm-d.ai/metrics-format';

const ROLES: Record<string, EndpointRole> = { prefill: 'prefill', decode: 'decode', both: 'both', 'prefill-decode': 'both' };

/** Pure: the endpoints a pod stands for (none when it is not ready). */
export function endpointsFromPod(pod: PodView, config: Pick<KubernetesDiscoveryConfig, 'targetPorts' | 'models' | 'roleLabel'>): EndpointSpec[] {
  if (!pod.ready || !pod.podIP) return [];
  const annotated = pod.annotations[MODELS_ANNOTATION]
    ?.split(',')
    .map((m) => m.trim())
    .filter(Boolean);
  const models = annotated && annotated.length > 0 ? annotated : [...config.models];
  const role = ROLES[pod.labels[config.roleLabel] ?? 'both'] ?? 'both';
  const metricsFormat = pod.annotations[METRICS_FORMAT_ANNOTATION] === 'sglang' ? 'sglang' : 'vllm';
  const podIP = pod.podIP;
  return config.targetPorts.map((port, rank) => ({
    id: podEndpointId(pod, rank, config.targetPorts.length),
    address: hostPort(podIP, port),
    models,
    role,
    loraAdapters: [],
    labels: { ...pod.labels, 'llm-d.ai/namespace': pod.namespace, 'llm-d.ai/pod': pod.name },
    metricsFormat,
  }));
}

export class KubernetesEndpointSource {
  private readonly watch: KubernetesPodWatch;
  /** Pod key -> the endpoint ids registered for it. */
  private readonly byPod = new Map<string, string[]>();

  constructor(
    private readonly config: KubernetesDiscoveryConfig,
    private readonly endpoints: EndpointRegistry,
    private readonly logger: Logger,
  ) {
    this.watch = new KubernetesPodWatch(config, { upsert: (pod) => this.onPod(pod), remove: (key) => this.onPodGone(key) }, logger);
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  synced(): boolean {
    return this.watch.synced();
  }

  /** A pod was listed, added or changed. */
  onPod(pod: PodView): void {
    const key = podKey(pod);
    const specs = endpointsFromPod(pod, this.config);
    const previous = this.byPod.get(key) ?? [];
    const now = new Set(specs.map((s) => s.id));
    for (const id of previous) if (!now.has(id)) this.endpoints.remove(id);
    for (const spec of specs) {
      const old = this.endpoints.spec(spec.id);
      // A changed address is a new pod behind the name: start from no scrape rather than the old pod's load.
      if (old && old.address !== spec.address) this.endpoints.remove(spec.id);
      this.endpoints.upsert(spec);
    }
    if (specs.length > 0) this.byPod.set(key, [...now]);
    else this.byPod.delete(key);
    if (previous.length !== specs.length) this.logger.info({ pod: key, ready: pod.ready, endpoints: specs.map((s) => `${s.id}@${s.address}`) }, 'kubernetes pod changed');
  }

  /** A pod was deleted. */
  onPodGone(key: string): void {
    for (const id of this.byPod.get(key) ?? []) this.endpoints.remove(id);
    if (this.byPod.delete(key)) this.logger.info({ pod: key }, 'kubernetes pod gone');
  }
}
