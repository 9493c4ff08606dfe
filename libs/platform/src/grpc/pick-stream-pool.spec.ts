// PickStreamPool against a real grpc-js server on loopback, whose PickStream the test scripts.
import { credentials, Server, ServerCredentials, ServerDuplexStream, status } from '@grpc/grpc-js';
import { schedulerv1 } from '@llmd/proto';
import pino from 'pino';
import { PickStreamPool } from './pick-stream-pool';

type Call = ServerDuplexStream<schedulerv1.PickStreamRequest, schedulerv1.PickStreamResponse>;

const answer = (id: string): schedulerv1.PickStreamResponse => ({
  requestId: id,
  pick: { target: { id: `pod-for-${id}`, address: '10.0.0.1:8000', models: ['m'], role: schedulerv1.EndpointRole.ENDPOINT_ROLE_BOTH, loraAdapters: [], labels: {} }, prefill: undefined, fallbacks: [], profile: 'default', breakdown: [], droppedReason: '' },
  errorCode: 0,
  error: '',
});

describe('PickStreamPool', () => {
  let server: Server;
  let client: schedulerv1.SchedulerClient;
  let onMessage: (call: Call, m: schedulerv1.PickStreamRequest) => void;
  const calls: Call[] = [];
  const seen: schedulerv1.PickStreamRequest[] = [];

  beforeAll(async () => {
    server = new Server();
    server.addService(schedulerv1.SchedulerService, {
      pickStream: (call: Call) => {
        calls.push(call);
        call.on('data', (m: schedulerv1.PickStreamRequest) => {
          seen.push(m);
          onMessage(call, m);
        });
        call.on('end', () => call.end());
      },
    } as unknown as schedulerv1.SchedulerServer);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    client = new schedulerv1.SchedulerClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(() => {
    client.close();
    server.forceShutdown();
  });

  const request = (id: string) => schedulerv1.PickRequest.fromPartial({ requestId: id, model: 'm', prompt: 'hello' });

  it('matches answers to Picks by request id, in whatever order they come, over the pool\'s streams', async () => {
    const held: [Call, string][] = [];
    onMessage = (call, m) => {
      held.push([call, m.pick!.requestId]);
      if (held.length === 6) for (const [c, id] of held.reverse()) c.write(answer(id));
    };
    const pool = new PickStreamPool(client, 2, pino({ level: 'silent' }));
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const results = await Promise.all(ids.map((id) => pool.pick(request(id), 5000, { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })));
    expect(results.map((r) => r.target?.id)).toEqual(ids.map((id) => `pod-for-${id}`));
    expect(calls.length).toBe(2);
    expect(seen[0]).toMatchObject({ timeoutMs: 5000, traceContext: { traceparent: expect.stringMatching(/^00-0af7/) } });
    expect(pool.pendingCount()).toBe(0);
    pool.close();
  });

  it('sends completions and first tokens along with the next Pick, or on their own after a moment', async () => {
    onMessage = (call, m) => {
      if (m.pick) call.write(answer(m.pick.requestId));
    };
    const pool = new PickStreamPool(client, 1, pino({ level: 'silent' }));
    const from = seen.length;
    pool.complete('done-1');
    pool.firstToken('streaming-1');
    await pool.pick(request('next-pick'), 5000, {});
    expect(seen.slice(from).map((m) => [m.pick?.requestId, m.completed, m.firstToken])).toEqual([['next-pick', ['done-1'], ['streaming-1']]]);

    pool.complete('done-2');
    pool.complete('done-3');
    pool.firstToken('streaming-2');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.slice(from + 1).map((m) => [m.pick?.requestId, m.completed, m.firstToken])).toEqual([[undefined, ['done-2', 'done-3'], ['streaming-2']]]);

    pool.firstToken('streaming-3');
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.slice(from + 2).map((m) => [m.pick?.requestId, m.completed, m.firstToken])).toEqual([[undefined, [], ['streaming-3']]]);
    pool.close();
  });

  it('rejects one Pick with the code the scheduler gave, and keeps the stream for the next', async () => {
    onMessage = (call, m) => call.write(m.pick!.requestId === 'bad' ? { requestId: 'bad', pick: undefined, errorCode: status.INVALID_ARGUMENT, error: 'model is required' } : answer(m.pick!.requestId));
    const pool = new PickStreamPool(client, 1, pino({ level: 'silent' }));
    const before = calls.length;
    await expect(pool.pick(request('bad'), 5000, {})).rejects.toMatchObject({ code: status.INVALID_ARGUMENT, message: 'model is required' });
    await expect(pool.pick(request('good'), 5000, {})).resolves.toMatchObject({ target: { id: 'pod-for-good' } });
    expect(calls.length).toBe(before + 1);
    pool.close();
  });

  it('times a Pick out with DEADLINE_EXCEEDED, and completes its late answer (the caller failed open; the lease is released)', async () => {
    const late: [Call, string][] = [];
    onMessage = (call, m) => m.pick && late.push([call, m.pick.requestId]);
    const pool = new PickStreamPool(client, 1, pino({ level: 'silent' }));
    await expect(pool.pick(request('slow'), 50, {})).rejects.toMatchObject({ code: status.DEADLINE_EXCEEDED });
    for (const [c, id] of late) c.write(answer(id));
    onMessage = (call, m) => m.pick && call.write(answer(m.pick.requestId));
    const from = seen.length;
    await expect(pool.pick(request('next'), 5000, {})).resolves.toMatchObject({ target: { id: 'pod-for-next' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.slice(from).flatMap((m) => m.completed)).toContain('slow');
    pool.close();
  });

  it('fails the pending Picks of a broken stream at once, and opens a new stream for the next Pick', async () => {
    onMessage = (call) => call.end(); // the scheduler closes the stream (a restart, a drain)
    const pool = new PickStreamPool(client, 1, pino({ level: 'silent' }));
    const before = calls.length;
    await expect(pool.pick(request('doomed'), 5000, {})).rejects.toMatchObject({ code: status.UNAVAILABLE });
    onMessage = (call, m) => call.write(answer(m.pick!.requestId));
    await expect(pool.pick(request('after'), 5000, {})).resolves.toMatchObject({ target: { id: 'pod-for-after' } });
    expect(calls.length).toBe(before + 2);
    pool.close();
  });
});
