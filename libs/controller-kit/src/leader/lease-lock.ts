// The coordination.k8s.io/v1 Lease an elector holds: read, create and update with optimistic
// concurrency (resourceVersion), nothing else.
import type { KubeConfig } from '@kubernetes/client-node';
import { isNotFound } from '../client/api-error';
import { kubeRequest } from '../client/kube-request';

export interface LeaderRecord {
  holderIdentity: string;
  leaseDurationSeconds: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions: number;
}

export interface LeaseLock {
  /** The record and the lease's resourceVersion, or undefined when there is no lease. */
  get(): Promise<{ record: LeaderRecord; resourceVersion: string } | undefined>;
  create(record: LeaderRecord): Promise<void>;
  /** Fails (409) when the lease changed since resourceVersion. */
  update(record: LeaderRecord, resourceVersion: string): Promise<void>;
}

interface Lease {
  metadata?: { resourceVersion?: string };
  spec?: Partial<LeaderRecord> & { holderIdentity?: string | null };
}

/** metav1.MicroTime: RFC 3339 with six fractional digits. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function kubeLeaseLock(kc: KubeConfig, namespace: string, name: string, timeoutMs: number): LeaseLock {
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  const path = `${collection}/${encodeURIComponent(name)}`;
  const body = (record: LeaderRecord, resourceVersion?: string) => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace, ...(resourceVersion ? { resourceVersion } : {}) },
    spec: { ...record, holderIdentity: record.holderIdentity || undefined },
  });
  return {
    async get() {
      try {
        const lease = await kubeRequest<Lease>(kc, 'GET', path, undefined, { timeoutMs });
        const s = lease.spec ?? {};
        return {
          resourceVersion: lease.metadata?.resourceVersion ?? '',
          record: { holderIdentity: s.holderIdentity ?? '', leaseDurationSeconds: s.leaseDurationSeconds ?? 0, acquireTime: s.acquireTime, renewTime: s.renewTime, leaseTransitions: s.leaseTransitions ?? 0 },
        };
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async create(record) {
      await kubeRequest(kc, 'POST', collection, body(record), { timeoutMs });
    },
    async update(record, resourceVersion) {
      await kubeRequest(kc, 'PUT', path, body(record, resourceVersion), { timeoutMs });
    },
  };
}
