import { resolveSource } from './model-source';

describe('resolveSource: the forms of a model uri', () => {
  it.each([
    ['no uri: the name is the HF id', undefined, { path: 'meta-llama/Llama-2-7b-hf', volumes: [], mounts: [] }],
    ['hf://', 'hf://Qwen/Qwen3-0.6B', { path: 'Qwen/Qwen3-0.6B', volumes: [], mounts: [] }],
    ['hf:// with a revision', 'hf://Qwen/Qwen3-0.6B@main', { path: 'Qwen/Qwen3-0.6B', revision: 'main', volumes: [], mounts: [] }],
    ['a path', '/models/llama', { path: '/models/llama', volumes: [], mounts: [] }],
    [
      'pvc:// with a path',
      'pvc://weights/llama/7b',
      {
        path: '/mnt/models/llama/7b',
        volumes: [{ name: 'model-storage', persistentVolumeClaim: { claimName: 'weights', readOnly: true } }],
        mounts: [{ name: 'model-storage', mountPath: '/mnt/models', readOnly: true }],
      },
    ],
    [
      'pvc:// of the whole claim',
      'pvc://weights',
      {
        path: '/mnt/models',
        volumes: [{ name: 'model-storage', persistentVolumeClaim: { claimName: 'weights', readOnly: true } }],
        mounts: [{ name: 'model-storage', mountPath: '/mnt/models', readOnly: true }],
      },
    ],
  ])('%s', (_, uri, want) => {
    expect(resolveSource(uri, 'meta-llama/Llama-2-7b-hf', 'model-storage', '/mnt/models')).toEqual(want);
  });
});
