// Which replica ingests which pod: pods are hashed onto the partitions of the ownership topic, and the
// replica that the consumer group gives a partition ingests the pods hashed onto it (one per pod).
import { partitionOfKey } from '@llmd/platform';

/** Pure: the ownership partition of a pod id (the same on every replica). */
export function podPartition(podId: string, partitionCount: number): number {
  return partitionOfKey(podId, partitionCount);
}

/** Pure: the pods, among those known, that the owner of `owned` partitions ingests. */
export function ownedPods(podIds: Iterable<string>, owned: ReadonlySet<number>, partitionCount: number): string[] {
  if (partitionCount < 1) return [];
  return [...podIds].filter((id) => owned.has(podPartition(id, partitionCount)));
}

/** Pure: what a change of owned pods means for the subscriptions: which to stop and which to start. */
export function ownershipChange(subscribed: Iterable<string>, nowOwned: Iterable<string>): { stop: string[]; start: string[] } {
  const before = new Set(subscribed);
  const after = new Set(nowOwned);
  return { stop: [...before].filter((id) => !after.has(id)), start: [...after].filter((id) => !before.has(id)) };
}
