import { offsetsPartition, probeGroups } from './group-coordinator';

describe('offsetsPartition', () => {
  // Kafka places a group on partition abs(groupId.hashCode()) % partitions, with Java's String.hashCode.
  it.each<[string, number, number]>([
    ['hello', 50, 99162322 % 50],
    ['Aa', 3, 2112 % 3],
    ['BB', 3, 2112 % 3],
    // hashCode is Integer.MIN_VALUE: Kafka's abs masks the sign bit to 0.
    ['polygenelubricants', 3, 0],
    ['', 3, 0],
  ])('%p over %d partitions is %d', (groupId, partitions, expected) => {
    expect(offsetsPartition(groupId, partitions)).toBe(expected);
  });
});

describe('probeGroups', () => {
  it.each([1, 3, 50])('gives one group on each of %d partitions', (partitions) => {
    const groups = probeGroups(partitions);
    expect(groups).toHaveLength(partitions);
    expect(new Set(groups.map((g) => offsetsPartition(g, partitions))).size).toBe(partitions);
  });
});
