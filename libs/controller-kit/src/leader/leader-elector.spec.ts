import type { KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import { KubeApiError } from '../client/api-error';
import { FakeClock } from '../testing/fake-clock';
import { LeaderElector, LeaderElectorOptions } from './leader-elector';
import { LeaderRecord, LeaseLock } from './lease-lock';

/** A Lease in memory, with the apiserver's optimistic concurrency; it can be made unreachable. */
class MemoryLease implements LeaseLock {
  record: LeaderRecord | undefined;
  rv = 0;
  unreachable = false;
  writes = 0;
  private check() {
    if (this.unreachable) throw new KubeApiError('GET', 'lease', 0, '', 'connection refused');
  }
  async get() {
    this.check();
    return this.record ? { record: { ...this.record }, resourceVersion: String(this.rv) } : undefined;
  }
  async create(record: LeaderRecord) {
    this.check();
    if (this.record) throw new KubeApiError('POST', 'lease', 409, 'AlreadyExists', 'exists');
    this.put(record);
  }
  async update(record: LeaderRecord, resourceVersion: string) {
    this.check();
    if (resourceVersion !== String(this.rv)) throw new KubeApiError('PUT', 'lease', 409, 'Conflict', 'modified');
    this.put(record);
  }
  put(record: LeaderRecord) {
    this.record = { ...record };
    this.rv++;
    this.writes++;
  }
}

const kc = {} as KubeConfig;

function candidate(identity: string, lock: MemoryLease, clock: FakeClock, extra: Partial<LeaderElectorOptions> = {}) {
  const log: string[] = [];
  const elector = new LeaderElector({
    kc, namespace: 'ns', name: 'llmd-operator', identity, lock, clock,
    onStartedLeading: () => void log.push('started'),
    onStoppedLeading: () => void log.push('stopped'),
    ...extra,
  });
  return { elector, log };
}

describe('LeaderElector', () => {
  it('takes a lease nobody holds at once, with the default 15 s duration', async () => {
    const clock = new FakeClock();
    const lock = new MemoryLease();
    const registry = new Registry();
    const a = candidate('a', lock, clock, { registry });
    a.elector.run();
    await clock.advance(0);
    expect(a.elector.isLeader).toBe(true);
    expect(a.log).toEqual(['started']);
    expect(lock.record).toMatchObject({ holderIdentity: 'a', leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(lock.record?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(await registry.metrics()).toMatch(/leader_election_master_status\{name="llmd-operator"\} 1/);
    await a.elector.stop();
    expect(await registry.metrics()).toMatch(/leader_election_master_status\{name="llmd-operator"\} 0/);
  });

  it('renews every retry period; a second candidate stays a follower while it does', async () => {
    const clock = new FakeClock();
    const lock = new MemoryLease();
    const a = candidate('a', lock, clock);
    const b = candidate('b', lock, clock);
    a.elector.run();
    await clock.advance(0);
    b.elector.run();
    const writes = lock.writes;
    await clock.advance(60000);
    expect(lock.writes - writes).toBe(30); // 60 s / 2 s
    expect(a.elector.isLeader).toBe(true);
    expect(b.elector.isLeader).toBe(false);
    expect(b.log).toEqual([]);
    await a.elector.stop();
    await b.elector.stop();
  });

  it('takes over a lease nobody renews only a lease duration after it last saw it change, counting the transition', async () => {
    const clock = new FakeClock();
    const lock = new MemoryLease();
    lock.put({ holderIdentity: 'crashed', leaseDurationSeconds: 15, renewTime: '2020-01-01T00:00:00.000000Z', leaseTransitions: 4 });
    const b = candidate('b', lock, clock);
    b.elector.run();
    await clock.advance(14000);
    expect(b.elector.isLeader).toBe(false); // the old renewTime is not trusted: the local clock of the first sighting is
    await clock.advance(4000); // expired at 15 s; tries come at most 2.4 s apart (2 s with jitter)
    expect(b.elector.isLeader).toBe(true);
    expect(lock.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 5 });
    await b.elector.stop();
  });

  it('a leader that cannot renew keeps leading until the renew deadline, then stops, and campaigns again', async () => {
    const clock = new FakeClock();
    const lock = new MemoryLease();
    const a = candidate('a', lock, clock);
    a.elector.run();
    await clock.advance(0);
    lock.unreachable = true;
    await clock.advance(2000 + 9000); // the next renewal is due at 2 s; it fails until 12 s
    expect(a.elector.isLeader).toBe(true);
    await clock.advance(1000);
    expect(a.elector.isLeader).toBe(false);
    expect(a.log).toEqual(['started', 'stopped']);
    lock.unreachable = false;
    await clock.advance(3000);
    expect(a.elector.isLeader).toBe(true);
    expect(a.log).toEqual(['started', 'stopped', 'started']);
    await a.elector.stop();
  });

  it('a leader whose Lease was deleted creates it again at its next renewal and keeps leading', async () => {
    const clock = new FakeClock();
    const lock = new MemoryLease();
    const a = candidate('a', lock, clock);
    a.elector.run();
    await clock.advance(0);
    lock.record = undefined;
    await clock.advance(2000);
    expect(lock.record).toMatchObject({ holderIdentity: 'a' });
    expect(a.elector.isLeader).toBe(true);
    expect(a.log).toEqual(['started']);
    await a.elector.stop();
  });

  it('loses leadership when another candidate holds the lease at renewal', async () => {
    const clock = new FakeClock();
    const lock = new MemoryLease();
    const a = candidate('a', lock, clock);
    a.elector.run();
    await clock.advance(0);
    // Someone else wrote the lease (a split brain healed, an operator edited it): it is theirs now.
    lock.put({ holderIdentity: 'intruder', leaseDurationSeconds: 15, leaseTransitions: 1 });
    await clock.advance(2000 + 10000 + 1);
    expect(a.elector.isLeader).toBe(false);
    expect(a.log).toEqual(['started', 'stopped']);
    await a.elector.stop();
  });

  it('stop() releases the lease, so the next candidate takes it at its next try, not a lease duration later', async () => {
    const clock = new FakeClock();
    const lock = new MemoryLease();
    const a = candidate('a', lock, clock);
    const b = candidate('b', lock, clock);
    a.elector.run();
    await clock.advance(0);
    b.elector.run();
    await clock.advance(5000);
    await a.elector.stop();
    expect(a.log).toEqual(['started', 'stopped']);
    expect(lock.record?.holderIdentity).toBe('');
    await clock.advance(2400); // one retry period with jitter
    expect(b.elector.isLeader).toBe(true);
    expect(lock.record).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    await b.elector.stop();
  });

  it('stop() during a failing renewal still releases the lease once the server answers again', async () => {
    const clock = new FakeClock();
    const lock = new MemoryLease();
    const a = candidate('a', lock, clock);
    a.elector.run();
    await clock.advance(0);
    lock.unreachable = true;
    await clock.advance(3000); // inside the renew deadline, retrying
    lock.unreachable = false;
    await a.elector.stop();
    expect(lock.record?.holderIdentity).toBe('');
    expect(a.log).toEqual(['started', 'stopped']);
  });

  it('stop() of a follower neither touches the lease nor calls onStoppedLeading', async () => {
    const clock = new FakeClock();
    const lock = new MemoryLease();
    lock.put({ holderIdentity: 'other', leaseDurationSeconds: 15, leaseTransitions: 0 });
    const b = candidate('b', lock, clock);
    b.elector.run();
    await clock.advance(2000);
    const writes = lock.writes;
    await b.elector.stop();
    expect(lock.writes).toBe(writes);
    expect(b.log).toEqual([]);
  });

  it.each([
    [{ leaseDurationMs: 10000, renewDeadlineMs: 10000 }, /leaseDurationMs must be greater/],
    [{ renewDeadlineMs: 2000, retryPeriodMs: 2000 }, /renewDeadlineMs must be greater/],
    [{ identity: '' }, /identity must not be empty/],
  ])('refuses inconsistent timings %j', (opts, message) => {
    expect(() => candidate('a', new MemoryLease(), new FakeClock(), opts)).toThrow(message);
  });
});
