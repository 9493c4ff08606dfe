import pino from 'pino';
import { KubernetesPodWatch, labelSelector, podKey, podModels, PodView, podView } from './kubernetes-pods';

describe('podView', () => {
  const running = {
    metadata: { namespace: 'llm', name: 'p', uid: 'u', labels: { app: 'vllm' }, annotations: { a: 'b' } },
    status: { phase: 'Running', podIP: '10.0.0.1', conditions: [{ type: 'Ready', status: 'True' }] },
  };

  it.each([
    ['running and ready', running, true],
    ['pending', { ...running, status: { ...running.status, phase: 'Pending' } }, false],
    ['ready condition false', { ...running, status: { ...running.status, conditions: [{ type: 'Ready', status: 'False' }] } }, false],
    ['no conditions', { ...running, status: { phase: 'Running', podIP: '10.0.0.1' } }, false],
    ['being deleted', { ...running, metadata: { ...running.metadata, deletionTimestamp: new Date() } }, false],
    ['no IP yet', { ...running, status: { ...running.status, podIP: '' } }, false],
    ['no status at all', { metadata: running.metadata }, false],
  ])('%s -> ready %s', (_name, pod, ready) => {
    expect(podView(pod).ready).toBe(ready);
  });

  it('copies identity, labels and annotations', () => {
    const v = podView(running);
    expect(v).toEqual({ namespace: 'llm', name: 'p', uid: 'u', labels: { app: 'vllm' }, annotations: { a: 'b' }, podIP: '10.0.0.1', ready: true, ports: {} });
    expect(podKey(v)).toBe('llm/p');
  });

  it('reads the named ports of every container', () => {
    const spec = { containers: [{ ports: [{ name: 'http', containerPort: 8000 }, { containerPort: 9999 }] }, { ports: [{ name: 'kv-replay', containerPort: 5558 }] }, {}] };
    expect(podView({ ...running, spec }).ports).toEqual({ http: 8000, 'kv-replay': 5558 });
  });

  it('writes matchLabels as a label selector', () => {
    expect(labelSelector({ app: 'vllm', 'llm-d.ai/role': 'decode' })).toBe('app=vllm,llm-d.ai/role=decode');
  });
});

describe('KubernetesPodWatch items', () => {
  const pod = (name: string, ranks: number, ready = true): PodView => ({ namespace: 'ns', name, uid: name, labels: { ranks: String(ranks) }, annotations: {}, podIP: '10.0.0.1', ready, ports: {} });
  const itemsOf = (p: PodView) => (p.ready ? Array.from({ length: Number(p.labels.ranks) }, (_, r) => ({ id: `${p.name}-${r}`, ranks: Number(p.labels.ranks) })) : []);

  it('upserts what a pod stands for, removes what it no longer has, and everything when it goes', () => {
    const calls: string[] = [];
    const watch = new KubernetesPodWatch({ namespace: 'ns', selector: { a: 'b' } }, itemsOf, { upsert: (id) => calls.push(`+${id}`), remove: (id) => calls.push(`-${id}`) }, pino({ level: 'silent' }));
    watch.onPod(pod('p', 2));
    watch.onPod(pod('p', 1));
    watch.onPod(pod('p', 1, false));
    watch.onPod(pod('q', 1));
    watch.onPodGone('ns/q');
    watch.onPodGone('ns/never');
    expect(calls).toEqual(['+p-0', '+p-1', '-p-1', '+p-0', '-p-0', '+q-0', '-q-0']);
  });

  it('reads a pod\'s models from its annotation, else the pool\'s', () => {
    expect(podModels({ ...pod('p', 1), annotations: { 'llm-d.ai/models': 'a, b,' } }, ['pool'])).toEqual(['a', 'b']);
    expect(podModels(pod('p', 1), ['pool'])).toEqual(['pool']);
    expect(podModels(pod('p', 1), undefined)).toBeUndefined();
  });
});
