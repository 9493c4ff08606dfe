// A pod's volumes as local folders: ConfigMaps and Secrets written to files (all keys, or `items`),
// emptyDirs made empty, downward API files, and the projected service-account volume (a token the
// agent asks the apiserver for, the cluster CA, the namespace). A process cannot mount anything, so
// the paths a container would see are rewritten to those folders instead: in its args and env, and
// in the text files of its ConfigMaps and Secrets (a config file naming another mounted file).
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import type { ObjectData } from './container-env';
import { fieldValue } from './container-env';

/** Where the projected service-account volume sits in every container (client libraries look there). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export class VolumeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VolumeError';
  }
}

export interface VolumeSources {
  data: ObjectData;
  /** A token for the pod's ServiceAccount (a TokenRequest bound to the pod). */
  token?: string;
  /** The cluster CA (kube-root-ca.crt), for the service-account volume. */
  caCert?: string;
  podIP: string;
  hostIP: string;
}

function writeFiles(dir: string, files: Record<string, string>, items?: { key: string; path: string }[]): void {
  mkdirSync(dir, { recursive: true });
  const chosen = items ?? Object.keys(files).map((key) => ({ key, path: key }));
  for (const { key, path } of chosen) {
    if (!(key in files)) throw new VolumeError(`no key ${key}`);
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), files[key]);
  }
}

function materialize(pod: V1Pod, volume: V1Volume, dir: string, src: VolumeSources): void {
  if (volume.emptyDir) return void mkdirSync(dir, { recursive: true });
  if (volume.configMap || volume.secret) {
    const kind = volume.configMap ? 'ConfigMap' : 'Secret';
    const name = volume.configMap?.name ?? volume.secret?.secretName ?? '';
    const optional = (volume.configMap ?? volume.secret)?.optional;
    const files = src.data(kind, name);
    if (!files) {
      if (optional) return void mkdirSync(dir, { recursive: true });
      throw new VolumeError(`volume ${volume.name}: ${kind} ${name} does not exist`);
    }
    return writeFiles(dir, files, (volume.configMap ?? volume.secret)?.items);
  }
  if (volume.downwardAPI) {
    const files: Record<string, string> = {};
    for (const item of volume.downwardAPI.items ?? []) if (item.fieldRef) files[item.path] = fieldValue(pod, item.fieldRef.fieldPath, src.podIP, src.hostIP);
    return writeFiles(dir, files);
  }
  if (volume.projected) {
    const files: Record<string, string> = {};
    for (const s of volume.projected.sources ?? []) {
      if (s.serviceAccountToken) {
        if (!src.token) throw new VolumeError(`volume ${volume.name}: no token for ServiceAccount ${pod.spec?.serviceAccountName ?? 'default'}`);
        files[s.serviceAccountToken.path] = src.token;
      }
      if (s.configMap) {
        const data = s.configMap.name === 'kube-root-ca.crt' && src.caCert ? { 'ca.crt': src.caCert } : src.data('ConfigMap', s.configMap.name ?? '');
        for (const item of s.configMap.items ?? Object.keys(data ?? {}).map((key) => ({ key, path: key }))) if (data?.[item.key] !== undefined) files[item.path] = data[item.key];
      }
      if (s.secret) {
        const data = src.data('Secret', s.secret.name ?? '');
        for (const item of s.secret.items ?? Object.keys(data ?? {}).map((key) => ({ key, path: key }))) if (data?.[item.key] !== undefined) files[item.path] = data[item.key];
      }
      for (const item of s.downwardAPI?.items ?? []) if (item.fieldRef) files[item.path] = fieldValue(pod, item.fieldRef.fieldPath, src.podIP, src.hostIP);
    }
    return writeFiles(dir, files);
  }
  throw new VolumeError(`volume ${volume.name}: only configMap, secret, emptyDir, downwardAPI and projected volumes are supported`);
}

/** Writes every volume of the pod under root/<volume name>; returns the folder of each. */
export function writeVolumes(pod: V1Pod, root: string, src: VolumeSources): Map<string, string> {
  rmSync(root, { recursive: true, force: true });
  const dirs = new Map<string, string>();
  for (const volume of pod.spec?.volumes ?? []) {
    const dir = join(root, volume.name);
    materialize(pod, volume, dir, src);
    dirs.set(volume.name, dir);
  }
  return dirs;
}

export interface Mount {
  /** The path in the container. */
  mountPath: string;
  /** The local folder or file standing for it. */
  hostPath: string;
}

/** The container's mounts, longest mount path first (so a nested mount wins over its parent). */
export function containerMounts(container: V1Container, dirs: Map<string, string>): Mount[] {
  const mounts: Mount[] = [];
  for (const m of container.volumeMounts ?? []) {
    const dir = dirs.get(m.name);
    if (!dir) throw new VolumeError(`volumeMount ${m.name}: the pod has no such volume`);
    mounts.push({ mountPath: m.mountPath.replace(/\/+$/, ''), hostPath: m.subPath ? join(dir, m.subPath) : dir });
  }
  return mounts.sort((a, b) => b.mountPath.length - a.mountPath.length);
}

/** `text` with every container path under a mount replaced by its local path. */
export function rewritePaths(text: string, mounts: Mount[]): string {
  if (mounts.length === 0) return text;
  const escaped = mounts.map((m) => m.mountPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`(^|[\\s"'=:,\\[])(${escaped.join('|')})(?=$|[/\\s"',\\]])`, 'g');
  return text.replace(re, (m, before: string, path: string) => {
    const mount = mounts.find((x) => x.mountPath === path);
    return mount ? before + mount.hostPath : m;
  });
}

/** Rewrites, in place, the text files (UTF-8, no NUL) of the pod's ConfigMap and Secret volumes. */
export function rewriteVolumeFiles(pod: V1Pod, dirs: Map<string, string>, mounts: Mount[]): void {
  const textVolumes = (pod.spec?.volumes ?? []).filter((v) => v.configMap || v.secret).flatMap((v) => dirs.get(v.name) ?? []);
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else {
        const buf = readFileSync(path);
        if (buf.includes(0)) continue;
        const text = buf.toString('utf8');
        const rewritten = rewritePaths(text, mounts);
        if (rewritten !== text) writeFileSync(path, rewritten);
      }
    }
  };
  for (const dir of textVolumes) walk(dir);
}
