import { HealthChecks } from './health-checks';

describe('HealthChecks', () => {
  type Case = [string, [string, () => boolean | Promise<boolean>, boolean][], boolean];
  const cases: Case[] = [
    ['no checks', [], true],
    ['all pass', [['a', () => true, true], ['b', async () => true, true]], true],
    ['a critical check fails', [['a', () => false, true]], false],
    ['a non-critical check fails', [['kafka', () => false, false]], true],
    ['a check throws', [['a', () => { throw new Error('x'); }, true]], false],
    ['a check hangs past the timeout', [['a', () => new Promise<boolean>(() => undefined), true]], false],
  ];
  it.each(cases)('%s', async (_name, checks, ready) => {
    const h = new HealthChecks();
    for (const [name, check, critical] of checks) h.register(name, check, { critical });
    expect((await h.readiness(50)).ready).toBe(ready);
  });

  it('turns unready once shutting down', async () => {
    const h = new HealthChecks();
    h.markShuttingDown();
    expect(await h.readiness()).toEqual({ ready: false, checks: { shutdown: false } });
  });
});
