import { labelSelector, podKey, podView } from './kubernetes-pods';

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
    expect(v).toEqual({ namespace: 'llm', name: 'p', uid: 'u', labels: { app: 'vllm' }, annotations: { a: 'b' }, podIP: '10.0.0.1', ready: true });
    expect(podKey(v)).toBe('llm/p');
  });

  it('writes matchLabels as a label selector', () => {
    expect(labelSelector({ app: 'vllm', 'llm-d.ai/role': 'decode' })).toBe('app=vllm,llm-d.ai/role=decode');
  });
});
