import { availableParallelism } from 'node:os';
import { availableCpus, cgroupCpuQuota } from './service-cluster';

describe('cgroupCpuQuota', () => {
  const files = (f: Record<string, string>) => (path: string) => f[path];
  it.each([
    ['cgroup v2, 2 CPUs', { '/sys/fs/cgroup/cpu.max': '200000 100000\n' }, 2],
    ['cgroup v2, half a CPU', { '/sys/fs/cgroup/cpu.max': '50000 100000' }, 0.5],
    ['cgroup v2, no limit', { '/sys/fs/cgroup/cpu.max': 'max 100000' }, undefined],
    ['cgroup v1, 1.5 CPUs', { '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '150000', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }, 1.5],
    ['cgroup v1, no limit', { '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1', '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000' }, undefined],
    ['no cgroup files', {}, undefined],
  ])('%s', (_name, f, quota) => {
    expect(cgroupCpuQuota(files(f))).toBe(quota);
  });
});

describe('availableCpus', () => {
  it('is the quota rounded up, at least 1, at most the CPUs the process may run on', () => {
    expect(availableCpus(() => '50000 100000')).toBe(1);
    expect(availableCpus(() => '150000 100000')).toBe(Math.min(2, availableParallelism()));
    expect(availableCpus(() => '100000000 100000')).toBe(availableParallelism());
    expect(availableCpus(() => undefined)).toBe(availableParallelism());
  });
});
