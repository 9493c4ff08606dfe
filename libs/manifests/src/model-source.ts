// Where the weights (and LoRA adapters) come from: hf:// ids, pvc:// claims mounted read-only, or a
// path already in the pod.
import type { Obj } from './types';

type Json = Obj[string];

export const MODEL_MOUNT = '/mnt/models';
export const LORA_MOUNT = '/mnt/lora';
export const MODEL_CACHE_MOUNT = '/model-cache';

export interface Source {
  /** What vLLM is given: a Hugging Face id or a path in the pod. */
  path: string;
  /** Hugging Face revision (`hf://org/name@rev`), when given in the uri. */
  revision?: string;
  volumes: Json[];
  mounts: Json[];
}

/**
 * `hf://org/name[@rev]` -> `org/name` (downloaded into the model cache); `pvc://claim[/path]` -> the
 * claim mounted read-only at `mountAt`, and the path in it; `/path` -> as is; no uri -> `name`
 * itself, a Hugging Face id.
 */
export function resolveSource(uri: string | undefined, name: string, volumeName: string, mountAt: string): Source {
  if (uri === undefined) return { path: name, volumes: [], mounts: [] };
  if (uri.startsWith('hf://')) {
    const id = uri.slice('hf://'.length);
    const at = id.lastIndexOf('@');
    return at > 0 ? { path: id.slice(0, at), revision: id.slice(at + 1), volumes: [], mounts: [] } : { path: id, volumes: [], mounts: [] };
  }
  if (uri.startsWith('pvc://')) {
    const rest = uri.slice('pvc://'.length);
    const slash = rest.indexOf('/');
    const claim = slash < 0 ? rest : rest.slice(0, slash);
    const sub = slash < 0 ? '' : rest.slice(slash + 1).replace(/\/+$/, '');
    return {
      path: sub ? `${mountAt}/${sub}` : mountAt,
      volumes: [{ name: volumeName, persistentVolumeClaim: { claimName: claim, readOnly: true } }],
      mounts: [{ name: volumeName, mountPath: mountAt, readOnly: true }],
    };
  }
  return { path: uri, volumes: [], mounts: [] };
}
