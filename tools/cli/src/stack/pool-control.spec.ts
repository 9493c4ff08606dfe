import { PoolControl, RESTART_BACKOFF_MS, type PodLauncher, type PoolEvent } from './pool-control';
import { poolOf, type LocalPod, type PodRole } from './local-stack';

/** Pods that start when told to (ready()) and stop at once; a start can be made to fail. */
class FakeLauncher implements PodLauncher {
  readonly list: LocalPod[] = [];
  private readonly waiting = new Map<string, { resolve: (p: LocalPod) => void; reject: (e: Error) => void }>();
  private n = 0;
  clock = 1000;

  constructor(initial: PodRole[]) {
    for (const role of initial) this.list.push({ name: `sim-${this.n++}`, role, pool: poolOf(role), port: 1, createdAtMs: 0, readyAtMs: 2000, state: 'ready' });
  }

  pods(): readonly LocalPod[] {
    return this.list;
  }

  addPod(role: PodRole): Promise<LocalPod> {
    const pod: LocalPod = { name: `sim-${this.n++}`, role, pool: poolOf(role), port: 1, createdAtMs: this.clock, state: 'starting' };
    this.list.push(pod);
    return new Promise((resolve, reject) => this.waiting.set(pod.name, { resolve, reject }));
  }

  async removePod(name: string): Promise<void> {
    const i = this.list.findIndex((p) => p.name === name);
    this.list.splice(i, 1);
    this.waiting.get(name)?.reject(new Error(`${name} removed while starting`));
  }

  ready(name: string, atMs: number): void {
    const pod = this.list.find((p) => p.name === name)!;
    pod.state = 'ready';
    pod.readyAtMs = atMs;
    this.waiting.get(name)!.resolve(pod);
  }

  fail(name: string): void {
    this.list.splice(this.list.findIndex((p) => p.name === name), 1);
    this.waiting.get(name)!.reject(new Error(`${name} exited with code 1`));
  }

  names(role: PodRole): string[] {
    return this.list.filter((p) => p.role === role).map((p) => `${p.name}:${p.state}`);
  }
}

function setup(initial: PodRole[] = ['prefill', 'decode'], maxPods = 5) {
  const launcher = new FakeLauncher(initial);
  const events: PoolEvent[] = [];
  const clock = { ms: 0 };
  const control = new PoolControl({
    launcher,
    model: 'm',
    maxPods,
    now: () => clock.ms,
    pools: [
      { name: 'prefill', autoscaling: { policy: 'slo', minReplicas: 1, maxReplicas: 2, slo: { ttftMs: 500, itlMs: 50 } } },
      { name: 'decode', autoscaling: { minReplicas: 1, maxReplicas: 4 } },
    ],
    onEvent: (e) => events.push(e),
  });
  return { launcher, control, events, clock };
}

describe('PoolControl', () => {
  it('lists each pool with its replicas, pods, endpoint ids and parsed autoscaling', () => {
    const { control } = setup();
    expect(control.list()).toEqual([
      expect.objectContaining({ namespace: 'local', name: 'prefill', role: 'prefill', model: 'm', replicas: 1, readyReplicas: 1, startingReplicas: 0, endpointIds: ['sim-0'] }),
      expect.objectContaining({ name: 'decode', replicas: 1, readyReplicas: 1, endpointIds: ['sim-1'], autoscaling: { policy: 'saturation', minReplicas: 1, maxReplicas: 4, scaleToZero: false, startupSeconds: 120 } }),
    ]);
  });

  it('reports each pod start-up once, on the first GET after it became ready', async () => {
    const { launcher, control } = setup();
    expect(control.list().map((p) => p.startupSeconds)).toEqual([[2], [2]]);
    expect(control.list().map((p) => p.startupSeconds)).toEqual([[], []]);
    control.scale('decode', { spec: { replicas: 2 } });
    launcher.ready('sim-2', 4500);
    await control.settled();
    expect(control.list().find((p) => p.name === 'decode')!.startupSeconds).toEqual([3.5]);
  });

  it('scaling up starts pods: starting at once, ready when they serve; the answer gives the pods that existed', async () => {
    const { launcher, control, events } = setup();
    expect(control.scale('decode', { spec: { replicas: 3 } })).toEqual({ status: 200, body: { spec: { replicas: 3 }, status: { replicas: 1 } } });
    expect(control.list()[1]).toMatchObject({ replicas: 3, readyReplicas: 1, startingReplicas: 2, endpointIds: ['sim-1', 'sim-2', 'sim-3'] });
    launcher.ready('sim-2', 3000);
    launcher.ready('sim-3', 3000);
    await control.settled();
    expect(control.list()[1]).toMatchObject({ readyReplicas: 3, startingReplicas: 0 });
    expect(events.map((e) => `${e.type} ${e.pool}${'pod' in e ? ` ${e.pod}` : ''}${e.type === 'scale' ? ` ${e.from}->${e.to}` : ''}`)).toEqual([
      'scale decode 1->3',
      'pod-started decode sim-2',
      'pod-started decode sim-3',
      'pod-ready decode sim-2',
      'pod-ready decode sim-3',
    ]);
  });

  it('scaling down stops starting pods first, then the newest ready ones', async () => {
    const { launcher, control } = setup(['prefill', 'decode']);
    control.scale('decode', { spec: { replicas: 4 } });
    launcher.ready('sim-2', 3000);
    launcher.ready('sim-3', 3000);
    await Promise.resolve();
    expect(launcher.names('decode')).toEqual(['sim-1:ready', 'sim-2:ready', 'sim-3:ready', 'sim-4:starting']);
    control.scale('decode', { spec: { replicas: 2 } });
    await control.settled();
    expect(launcher.names('decode')).toEqual(['sim-1:ready', 'sim-2:ready']);
  });

  it('a pod that fails to start is reported; its pool is topped up after the back-off, or at the next scale', async () => {
    const { launcher, control, events, clock } = setup();
    control.scale('decode', { spec: { replicas: 2 } });
    launcher.fail('sim-2');
    await control.settled();
    expect(events.at(-1)).toEqual({ type: 'pod-failed', pool: 'decode', pod: 'sim-2', message: 'sim-2 exited with code 1' });
    expect(control.list()[1]).toMatchObject({ replicas: 2, readyReplicas: 1, startingReplicas: 0 });
    clock.ms = RESTART_BACKOFF_MS;
    expect(control.list()[1]).toMatchObject({ replicas: 2, readyReplicas: 1, startingReplicas: 1 });
    launcher.fail('sim-3');
    await control.settled();
    control.scale('decode', { spec: { replicas: 2 } });
    expect(launcher.names('decode')).toEqual(['sim-1:ready', 'sim-4:starting']);
  });

  it('a ready pod that exits on its own is replaced at the next listing, as a Deployment replaces it', () => {
    const { launcher, control } = setup();
    launcher.list.splice(1, 1);
    expect(control.list()[1]).toMatchObject({ replicas: 1, readyReplicas: 0, startingReplicas: 1, endpointIds: ['sim-2'] });
  });

  it.each([
    ['an unknown pool', 'unified', { spec: { replicas: 1 } }, 404, /no pool unified/],
    ['no replicas', 'decode', {}, 400, /^spec.replicas must be an integer >= 0$/],
    ['a fraction', 'decode', { spec: { replicas: 1.5 } }, 400, /^spec.replicas must be an integer >= 0$/],
    ['a negative number', 'decode', { spec: { replicas: -1 } }, 400, /^spec.replicas must be an integer >= 0$/],
    ['a string', 'decode', { spec: { replicas: '2' } }, 400, /^spec.replicas must be an integer >= 0$/],
    ['above maxReplicas', 'prefill', { spec: { replicas: 3 } }, 422, /spec.replicas 3 is outside pool prefill's \[1, 2\]/],
    ['below minReplicas', 'decode', { spec: { replicas: 0 } }, 422, /spec.replicas 0 is outside pool decode's \[1, 4\]/],
    ['over the stack\'s pod limit', 'decode', { spec: { replicas: 4 } }, 422, /would make 5 pods, over the stack's limit of 4/],
  ])('refuses %s', (_name, pool, body, status, message) => {
    const { control, launcher } = setup(['prefill', 'decode'], 4);
    const out = control.scale(pool, body);
    expect(out.status).toBe(status);
    expect((out.body as { error: { message: string } }).error.message).toMatch(message);
    expect(launcher.list).toHaveLength(2);
  });

  it('refuses a pool whose autoscaling does not parse, naming the field', () => {
    expect(() => new PoolControl({ launcher: new FakeLauncher([]), model: 'm', maxPods: 2, pools: [{ name: 'decode', autoscaling: { maxReplicas: 0 } }] })).toThrow(/pool decode: autoscaling.maxReplicas: /);
  });

  it('serves Contract 4 over HTTP', async () => {
    const { control, launcher } = setup();
    const port = await control.listen(0);
    const base = `http://127.0.0.1:${port}`;
    try {
      const pools = (await (await fetch(`${base}/pools`)).json()) as { pools: { name: string }[] };
      expect(pools.pools.map((p) => p.name)).toEqual(['prefill', 'decode']);
      const put = (name: string, body: string) => fetch(`${base}/pools/${name}/scale`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body });
      const ok = await put('decode', '{"spec":{"replicas":2}}');
      expect([ok.status, await ok.json()]).toEqual([200, { spec: { replicas: 2 }, status: { replicas: 1 } }]);
      const bad = await put('decode', 'not json');
      expect([bad.status, await bad.json()]).toEqual([400, { error: { message: expect.stringMatching(/must be JSON/) } }]);
      const missing = await put('nope', '{"spec":{"replicas":1}}');
      expect(missing.status).toBe(404);
      expect((await fetch(`${base}/other`)).status).toBe(404);
      launcher.ready('sim-2', 3000);
    } finally {
      await control.close();
    }
  });
});
