// KV event sources from Kubernetes: every ready pod the selector picks, one source per data-parallel
// rank, under the endpoint id the scheduler gives the same pod.
import { hostPort, kvReplayPortName, podEndpointId, podModels, PodView } from '@llmd/platform';
import type { KubernetesPodsConfig, PodConfig } from '../config';

/** Pure: the KV event sources a pod stands for (none when it is not ready). */
export function kvSourcesFromPod(pod: PodView, config: Pick<KubernetesPodsConfig, 'dataParallelRanks' | 'kvEventsPort' | 'replayPort' | 'models'>): PodConfig[] {
  if (!pod.ready || !pod.podIP) return [];
  const podIP = pod.podIP;
  const models = podModels(pod, config.models);
  return Array.from({ length: config.dataParallelRanks }, (_, rank) => {
    // The configured replay port, else the one the pod declares (the operator names it kv-replay when
    // a CachePolicy sets kvEvents.replayPort): a gap is then filled from the pod, not cleared.
    const replayPort = config.replayPort ? config.replayPort + rank : pod.ports[kvReplayPortName(rank)];
    return {
      id: podEndpointId(pod, rank, config.dataParallelRanks),
      ...(models ? { models: [...models] } : {}),
      kvEvents: {
        endpoint: `tcp://${hostPort(podIP, config.kvEventsPort + rank)}`,
        ...(replayPort ? { replayEndpoint: `tcp://${hostPort(podIP, replayPort)}` } : {}),
      },
    };
  });
}
