// A container's environment as the kubelet makes it: `value`s with $(VAR) references expanded from
// the variables before them, `valueFrom` field, ConfigMap and Secret references, `envFrom`; and the
// same $(VAR) expansion in command and args. Pure: the pod and a lookup of ConfigMap/Secret data in.
import type { V1Container, V1EnvVar, V1Pod } from '@kubernetes/client-node';

export interface ObjectData {
  /** The data of a ConfigMap or (decoded) Secret in the pod's namespace; undefined when it does not exist. */
  (kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> | undefined;
}

export class EnvError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvError';
  }
}

/** $(VAR) -> its value when defined, left as written otherwise; $$ escapes a $ (Kubernetes' rules). */
export function expand(text: string, vars: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && name in vars ? vars[name] : m;
  });
}

/** The value of a fieldRef path of the downward API for this pod. */
export function fieldValue(pod: V1Pod, fieldPath: string, podIP: string, hostIP: string): string {
  const labelOrAnnotation = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
  if (labelOrAnnotation) return (labelOrAnnotation[1] === 'labels' ? pod.metadata?.labels : pod.metadata?.annotations)?.[labelOrAnnotation[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata?.name ?? '';
    case 'metadata.namespace':
      return pod.metadata?.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata?.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.podIP':
    case 'status.podIPs':
      return podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return hostIP;
    default:
      throw new EnvError(`fieldRef ${fieldPath} is not supported`);
  }
}

function fromVar(pod: V1Pod, container: V1Container, v: V1EnvVar, data: ObjectData, ips: { podIP: string; hostIP: string }, vars: Record<string, string>): string | undefined {
  if (v.valueFrom === undefined) return expand(v.value ?? '', vars);
  const f = v.valueFrom;
  if (f.fieldRef) return fieldValue(pod, f.fieldRef.fieldPath, ips.podIP, ips.hostIP);
  if (f.resourceFieldRef) {
    const r = f.resourceFieldRef.resource;
    const [kind, name] = r.split('.') as ['limits' | 'requests', string];
    return String(container.resources?.[kind]?.[name] ?? '0');
  }
  const ref = f.configMapKeyRef ?? f.secretKeyRef;
  if (ref) {
    const kind = f.configMapKeyRef ? 'ConfigMap' : 'Secret';
    const value = data(kind, ref.name ?? '')?.[ref.key];
    if (value === undefined && !ref.optional) throw new EnvError(`${v.name}: ${kind} ${ref.name} has no key ${ref.key}`);
    return value;
  }
  throw new EnvError(`${v.name}: unsupported valueFrom`);
}

/** The container's environment, in the kubelet's order: envFrom first, then env (later wins). */
export function containerEnv(pod: V1Pod, container: V1Container, data: ObjectData, ips: { podIP: string; hostIP: string }): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const values = data(kind, ref.name ?? '');
    if (!values && !ref.optional) throw new EnvError(`envFrom: ${kind} ${ref.name} does not exist`);
    for (const [k, val] of Object.entries(values ?? {})) vars[`${from.prefix ?? ''}${k}`] = val;
  }
  for (const v of container.env ?? []) {
    const value = fromVar(pod, container, v, data, ips, vars);
    if (value !== undefined) vars[v.name] = value;
  }
  return vars;
}

/** command + args with $(VAR) expanded, as the container runs them. */
export function containerArgv(container: V1Container, env: Record<string, string>): { command: string[]; args: string[] } {
  return { command: (container.command ?? []).map((c) => expand(c, env)), args: (container.args ?? []).map((a) => expand(a, env)) };
}
