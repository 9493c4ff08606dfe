import pino from 'pino';
import type { PodView } from '@llmd/platform';
import { EndpointRegistry } from './endpoint-registry';
import { endpointsFromPod, KubernetesEndpointSource } from './kubernetes.source';

const config = { namespace: 'llm', selector: { app: 'vllm' }, targetPorts: [8000], models: ['llama'], roleLabel: 'llm-d.ai/role' };

function pod(overrides: Partial<PodView> = {}): PodView {
  return { namespace: 'llm', name: 'vllm-0', uid: 'u0', labels: { app: 'vllm' }, annotations: {}, podIP: '10.1.0.5', ready: true, ports: {}, ...overrides };
}

describe('endpointsFromPod', () => {
  it.each([
    ['a ready pod is one endpoint on its IP and target port', pod(), config, [{ id: 'llm/vllm-0', address: '10.1.0.5:8000', role: 'both', models: ['llama'] }]],
    ['a pod that is not ready is none', pod({ ready: false }), config, []],
    ['a pod without an IP is none', pod({ podIP: undefined }), config, []],
    ['the role label sets the role', pod({ labels: { app: 'vllm', 'llm-d.ai/role': 'prefill' } }), config, [{ id: 'llm/vllm-0', address: '10.1.0.5:8000', role: 'prefill', models: ['llama'] }]],
    ['an unknown role is both', pod({ labels: { 'llm-d.ai/role': 'chef' } }), config, [{ id: 'llm/vllm-0', address: '10.1.0.5:8000', role: 'both', models: ['llama'] }]],
    ['the models annotation overrides the pool', pod({ annotations: { 'llm-d.ai/models': 'a, b,' } }), config, [{ id: 'llm/vllm-0', address: '10.1.0.5:8000', role: 'both', models: ['a', 'b'] }]],
    ['an IPv6 address is bracketed', pod({ podIP: 'fd00::5' }), config, [{ id: 'llm/vllm-0', address: '[fd00::5]:8000', role: 'both', models: ['llama'] }]],
    [
      'several target ports are one endpoint per rank',
      pod(),
      { ...config, targetPorts: [8000, 8001] },
      [
        { id: 'llm/vllm-0-rank-0', address: '10.1.0.5:8000', role: 'both', models: ['llama'] },
        { id: 'llm/vllm-0-rank-1', address: '10.1.0.5:8001', role: 'both', models: ['llama'] },
      ],
    ],
  ])('%s', (_name, p, c, expected) => {
    expect(endpointsFromPod(p, c).map(({ id, address, role, models }) => ({ id, address, role, models }))).toEqual(expected);
  });

  it('carries the pod labels and the metrics format', () => {
    const [e] = endpointsFromPod(pod({ annotations: { 'llm-d.ai/metrics-format': 'sglang' } }), config);
    expect(e.metricsFormat).toBe('sglang');
    expect(e.labels).toMatchObject({ app: 'vllm', 'llm-d.ai/pod': 'vllm-0', 'llm-d.ai/namespace': 'llm' });
  });
});

describe('KubernetesEndpointSource', () => {
  it('follows pods through ready, not ready, a new IP and deletion', () => {
    const registry = new EndpointRegistry(1000);
    const source = new KubernetesEndpointSource(config, registry, pino({ level: 'silent' }));
    const ids = () => registry.specs().map((s) => `${s.id}@${s.address}`).sort();

    source.watch.onPod(pod({ ready: false }));
    expect(ids()).toEqual([]);
    source.watch.onPod(pod());
    source.watch.onPod(pod({ name: 'vllm-1', podIP: '10.1.0.6' }));
    expect(ids()).toEqual(['llm/vllm-0@10.1.0.5:8000', 'llm/vllm-1@10.1.0.6:8000']);

    registry.recordScrape('llm/vllm-0', { waiting: 3, running: 2, kvCacheUsage: 0.5, counters: { prefixQueries: 0, prefixHits: 0, promptTokens: 0, generationTokens: 0 } });
    source.watch.onPod(pod({ podIP: '10.1.0.9' }));
    expect(ids()).toEqual(['llm/vllm-0@10.1.0.9:8000', 'llm/vllm-1@10.1.0.6:8000']);
    // The recreated pod starts unscraped: the old pod's load is not carried over.
    expect(registry.snapshot().find((e) => e.id === 'llm/vllm-0')?.metrics.waiting).toBe(0);

    source.watch.onPod(pod({ name: 'vllm-1', podIP: '10.1.0.6', ready: false }));
    expect(ids()).toEqual(['llm/vllm-0@10.1.0.9:8000']);
    source.watch.onPodGone('llm/vllm-0');
    source.watch.onPodGone('llm/never-seen');
    expect(ids()).toEqual([]);
  });
});
