import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalActuator, parseLocalPools, scaleFailure } from './local.actuator';

const autoscaling = { policy: 'saturation', minReplicas: 1, maxReplicas: 4 };
const decode = { namespace: 'local', name: 'decode', model: 'sim-model', role: 'decode', replicas: 2, readyReplicas: 1, startingReplicas: 1, endpointIds: ['sim-2'], startupSeconds: [3.2], autoscaling };

describe('parseLocalPools', () => {
  it('reads the contract\'s GET /pools body, defaults applied to the spec', () => {
    const [pool] = parseLocalPools({ pools: [decode] });
    expect(pool).toMatchObject({ namespace: 'local', name: 'decode', model: 'sim-model', role: 'decode', specReplicas: 2, readyReplicas: 1, startingReplicas: 1, endpointIds: ['sim-2'], startupSeconds: [3.2] });
    expect(pool).toHaveProperty('autoscaling', expect.objectContaining({ policy: 'saturation', maxReplicas: 4, startupSeconds: 120, scaleToZero: false }));
  });

  it('marks a pool whose autoscaling does not parse invalid, naming the field', () => {
    const [pool] = parseLocalPools({ pools: [{ ...decode, autoscaling: { policy: 'slo', maxReplicas: 4 } }] });
    expect(pool).toHaveProperty('invalid', expect.stringContaining('pools[decode].autoscaling'));
    expect(pool).toHaveProperty('invalid', expect.stringContaining('slo targets'));
  });

  it.each([[{}], [{ pools: [{ ...decode, role: 'both' }] }], [{ pools: [{ ...decode, replicas: -1 }] }]])('rejects a malformed body %j with the field', (body) => {
    expect(() => parseLocalPools(body)).toThrow(/GET \/pools body: pools/);
  });
});

describe('scaleFailure', () => {
  it.each([
    [422, { error: { message: 'replicas 9 outside [1, 4]' } }, /decode -> 9 replicas \(422\): replicas 9 outside \[1, 4\]/],
    [404, undefined, /\(404\): HTTP 404/],
  ])('%i', (status, body, expected) => {
    expect(scaleFailure('decode', 9, status, body).message).toMatch(expected);
  });
});

describe('LocalActuator over HTTP', () => {
  let server: Server;
  let url: string;
  const puts: { path: string; body: unknown }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.method === 'GET' && req.url === '/pools') return res.end(JSON.stringify({ pools: [decode] }));
        if (req.method === 'PUT' && req.url === '/pools/decode/scale') {
          const body = JSON.parse(raw) as { spec: { replicas: number } };
          puts.push({ path: req.url, body });
          if (body.spec.replicas > 4) return res.writeHead(422).end(JSON.stringify({ error: { message: 'outside [1, 4]' } }));
          return res.end(JSON.stringify({ spec: body.spec, status: { replicas: 2 } }));
        }
        res.writeHead(404).end(JSON.stringify({ error: { message: 'no pool' } }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('lists, scales, and reports refusals with the server\'s message', async () => {
    const actuator = new LocalActuator(url);
    expect(actuator.ready()).toBe(false);
    expect(await actuator.pools()).toHaveLength(1);
    expect(actuator.ready()).toBe(true);
    await actuator.scale({ namespace: 'local', name: 'decode' }, 3);
    expect(puts).toEqual([{ path: '/pools/decode/scale', body: { spec: { replicas: 3 } } }]);
    await expect(actuator.scale({ namespace: 'local', name: 'decode' }, 9)).rejects.toThrow(/\(422\): outside \[1, 4\]/);
    await expect(actuator.scale({ namespace: 'local', name: 'prefill' }, 1)).rejects.toThrow(/\(404\): no pool/);
  });

  it('is not ready while the server does not answer', async () => {
    const actuator = new LocalActuator('http://127.0.0.1:1', 500);
    await expect(actuator.pools()).rejects.toThrow();
    expect(actuator.ready()).toBe(false);
  });
});
