import type { PodView } from '@llmd/platform';
import { kvSourcesFromPod } from './kubernetes-pods';

const pod: PodView = { namespace: 'llm', name: 'vllm-0', uid: 'u', labels: {}, annotations: {}, podIP: '10.1.0.5', ready: true, ports: {} };
const config = { dataParallelRanks: 1, kvEventsPort: 5557, replayPort: undefined, models: ['llama'] };

describe('kvSourcesFromPod', () => {
  it.each([
    ['a ready pod is one source under the scheduler\'s endpoint id', pod, config, [{ id: 'llm/vllm-0', models: ['llama'], kvEvents: { endpoint: 'tcp://10.1.0.5:5557' } }]],
    ['a pod that is not ready is none', { ...pod, ready: false }, config, []],
    ['the replay port is added when set', pod, { ...config, replayPort: 5558 }, [{ id: 'llm/vllm-0', models: ['llama'], kvEvents: { endpoint: 'tcp://10.1.0.5:5557', replayEndpoint: 'tcp://10.1.0.5:5558' } }]],
    ['else the replay port the pod declares (kv-replay)', { ...pod, ports: { http: 8000, 'kv-replay': 5600 } }, config, [{ id: 'llm/vllm-0', models: ['llama'], kvEvents: { endpoint: 'tcp://10.1.0.5:5557', replayEndpoint: 'tcp://10.1.0.5:5600' } }]],
    ['the configured replay port wins over the declared one', { ...pod, ports: { 'kv-replay': 5600 } }, { ...config, replayPort: 5558 }, [{ id: 'llm/vllm-0', models: ['llama'], kvEvents: { endpoint: 'tcp://10.1.0.5:5557', replayEndpoint: 'tcp://10.1.0.5:5558' } }]],
    [
      'each data-parallel rank is replayed from its own declared port',
      { ...pod, ports: { 'kv-replay': 5600, 'kv-replay-r1': 5601 } },
      { ...config, dataParallelRanks: 2, models: undefined },
      [
        { id: 'llm/vllm-0-rank-0', kvEvents: { endpoint: 'tcp://10.1.0.5:5557', replayEndpoint: 'tcp://10.1.0.5:5600' } },
        { id: 'llm/vllm-0-rank-1', kvEvents: { endpoint: 'tcp://10.1.0.5:5558', replayEndpoint: 'tcp://10.1.0.5:5601' } },
      ],
    ],
    [
      'data-parallel ranks publish on consecutive ports',
      pod,
      { ...config, dataParallelRanks: 2, models: undefined },
      [
        { id: 'llm/vllm-0-rank-0', kvEvents: { endpoint: 'tcp://10.1.0.5:5557' } },
        { id: 'llm/vllm-0-rank-1', kvEvents: { endpoint: 'tcp://10.1.0.5:5558' } },
      ],
    ],
    ['the models annotation overrides the pool', { ...pod, annotations: { 'llm-d.ai/models': 'x' } }, config, [{ id: 'llm/vllm-0', models: ['x'], kvEvents: { endpoint: 'tcp://10.1.0.5:5557' } }]],
    ['IPv6 hosts are bracketed', { ...pod, podIP: 'fd00::1' }, config, [{ id: 'llm/vllm-0', models: ['llama'], kvEvents: { endpoint: 'tcp://[fd00::1]:5557' } }]],
  ])('%s', (_name, p, c, expected) => {
    expect(kvSourcesFromPod(p, c)).toEqual(expected);
  });
});
