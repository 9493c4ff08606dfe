// Which replica ingests which pod: pods are hashed onto the partitions of the ownership topic, and the
// replica that the consumer group gives a partition ingests the pods hashed onto it (one per pod).

/** Pure: the ownership partition of a pod id (FNV-1a over its UTF-8 bytes, so every replica agrees). */
export function podPartition(podId: string, partitionCount: number): number {
  if (!Number.isInteger(partitionCount) || partitionCount < 1) throw new RangeError(`partitionCount must be a positive integer, got ${partitionCount}`);
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(podId, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitionCount;
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
