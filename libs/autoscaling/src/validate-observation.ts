// Bad observations fail loudly, naming the field, before any state changes.
import type { PoolObservation } from './types';

function count(name: string, v: number | undefined): void {
  if (v === undefined) return;
  if (!Number.isInteger(v) || v < 0) throw new RangeError(`obs.${name} must be an integer >= 0, got ${v}`);
}

/** Throws a RangeError naming the first invalid field of `obs`. */
export function validateObservation(obs: PoolObservation): void {
  if (!Number.isFinite(obs.nowMs)) throw new RangeError(`obs.nowMs must be a finite number, got ${obs.nowMs}`);
  count('specReplicas', obs.specReplicas);
  count('readyReplicas', obs.readyReplicas);
  count('startingReplicas', obs.startingReplicas);
  count('queuedRequests', obs.queuedRequests);
  obs.load.forEach((r, i) => {
    if (!(r.kvCacheUsage >= 0)) throw new RangeError(`obs.load[${i}].kvCacheUsage must be >= 0, got ${r.kvCacheUsage}`);
    if (!(r.waiting >= 0)) throw new RangeError(`obs.load[${i}].waiting must be >= 0, got ${r.waiting}`);
    if (!(r.running >= 0)) throw new RangeError(`obs.load[${i}].running must be >= 0, got ${r.running}`);
  });
}
