// Endpoints from Kubernetes: the ready pods a label selector picks in a namespace, one endpoint per
// target port. A pod that stops being ready, or goes, leaves the candidates at once; a new IP (a pod
// recreated under the same name) replaces the old endpoint.
import { hostPort, KubernetesPodWatch, podEndpointId, podModels, PodView } from '@llmd/platform';
import type { EndpointRole } from '@llmd/scoring';
import type { Logger } from 'pino';
import type { KubernetesDiscoveryConfig } from '../config';
import type { EndpointRegistry, EndpointSpec } from './endpoint-registry';

/** Annotation selecting the metric names to scrape: `vllm` (default) or `sglang`. */
export const METRICS_FORMAT_ANNOTATION = 'llm-d.ai/metrics-format';

const ROLES: Record<string, EndpointRole> = { prefill: 'prefill', decode: 'decode', both: 'both', 'prefill-decode': 'both' };

/** Pure: the endpoints a pod stands for (none when it is not ready). */
export function endpointsFromPod(pod: PodView, config: Pick<KubernetesDiscoveryConfig, 'targetPorts' | 'models' | 'roleLabel'>): EndpointSpec[] {
  if (!pod.ready || !pod.podIP) return [];
  const models = [...podModels(pod, config.models)];
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
  readonly watch: KubernetesPodWatch<EndpointSpec>;

  constructor(config: KubernetesDiscoveryConfig, endpoints: EndpointRegistry, logger: Logger) {
    this.watch = new KubernetesPodWatch(
      config,
      (pod) => endpointsFromPod(pod, config),
      {
        upsert: (id, spec) => {
          // A changed address is a new pod behind the name: start from no scrape rather than the old pod's load.
          if (endpoints.spec(id)?.address !== spec.address) endpoints.remove(id);
          endpoints.upsert(spec);
        },
        remove: (id) => endpoints.remove(id),
      },
      logger,
    );
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
}
