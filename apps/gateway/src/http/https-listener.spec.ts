import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { request } from 'node:https';
import Fastify, { type FastifyInstance } from 'fastify';
import { serverTlsSchema, type ServerTlsConfig } from '@llmd/platform';
import { TestCertificates, type SecretFiles, type TestCa } from '@llmd/platform/testing';
import { apiListener } from './https-listener';

const certs = new TestCertificates();
let ca: TestCa;
let otherCa: TestCa;

beforeAll(() => {
  ca = certs.ca('llmd-gateway-test-ca');
  otherCa = certs.ca('llmd-gateway-other-ca');
});
afterAll(() => certs.remove());

const tlsConfig = (t: Partial<ServerTlsConfig>): ServerTlsConfig => serverTlsSchema.parse({ enabled: true, reloadMs: 100, ...t });
const serialOf = (file: string) => new X509Certificate(readFileSync(file)).serialNumber;

interface Answer {
  status?: number;
  /** The serial number of the certificate the server presented. */
  served?: string;
  error?: string;
}

/** GET /v1/models on a new connection, trusting `trust`, presenting `client` when given. */
function get(port: number, trust: string[], client?: SecretFiles): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, servername: 'localhost', path: '/v1/models', agent: false, ca: trust.map((f) => readFileSync(f)), ...(client ? { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) } : {}) },
      (res) => {
        const served = (res.socket as import('node:tls').TLSSocket).getPeerCertificate().serialNumber;
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, served }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end();
  });
}

async function serve(tls: ServerTlsConfig): Promise<{ app: FastifyInstance; port: number; detach: () => void; listener: ReturnType<typeof apiListener> }> {
  const listener = apiListener(tls);
  const app = Fastify({ https: listener.https! });
  app.get('/v1/models', async () => ({ object: 'list', data: [] }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const detach = listener.attach(app.server);
  return { app, port: (app.server.address() as { port: number }).port, detach, listener };
}

describe('the gateway API port over mutual TLS', () => {
  let server: Awaited<ReturnType<typeof serve>>;
  let files: SecretFiles;

  beforeAll(async () => {
    files = certs.issue(ca, 'gateway-mtls', 'server');
    server = await serve(tlsConfig({ certFile: files.certFile, keyFile: files.keyFile, caFile: files.caFile, requireClientCert: true }));
  });
  afterAll(async () => {
    server.detach();
    await server.app.close();
  });

  it('answers a client whose certificate the CA signed', async () => {
    expect(await get(server.port, [ca.certFile], certs.issue(ca, 'gw-client', 'client'))).toEqual({ status: 200, served: serialOf(files.certFile) });
  });

  it.each([
    ['no client certificate', () => undefined],
    ['a client certificate of another CA', () => certs.issue(otherCa, 'gw-stranger', 'client')],
  ])('refuses %s', async (_what, client) => {
    const answer = await get(server.port, [ca.certFile], client());
    expect(answer.status).toBeUndefined();
    expect(answer.error).toBeDefined();
  });

  it("is refused by a client that trusts another CA than the server's", async () => {
    // The server sends its CA along (it has one, for client certificates): the client does not trust it.
    expect(await get(server.port, [otherCa.certFile], certs.issue(ca, 'gw-misled', 'client'))).toEqual({ error: 'SELF_SIGNED_CERT_IN_CHAIN' });
  });
});

describe('the gateway API port over TLS', () => {
  it('serves new connections with a certificate rewritten in place (a new CA), without a restart', async () => {
    const first = certs.issue(ca, 'gateway-rotating', 'server');
    const server = await serve(tlsConfig({ certFile: first.certFile, keyFile: first.keyFile }));
    try {
      expect(server.listener.description).toMatchObject({ transport: 'TLS', certFile: first.certFile });
      expect(await get(server.port, [ca.certFile])).toEqual({ status: 200, served: serialOf(first.certFile) });
      const changed = new Promise((resolve) => server.listener.watcher!.onChange(resolve));
      const renewed = certs.issue(otherCa, 'gateway-rotating', 'server');
      await changed;
      expect(await get(server.port, [ca.certFile, otherCa.certFile])).toEqual({ status: 200, served: serialOf(renewed.certFile) });
      expect(await get(server.port, [ca.certFile])).toEqual({ error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    } finally {
      server.detach();
      await server.app.close();
    }
  });
});

describe('the gateway API port in plaintext', () => {
  it('says so, with no https options', () => {
    const listener = apiListener(undefined);
    expect([listener.https, listener.watcher, listener.description]).toEqual([undefined, undefined, { transport: 'plaintext' }]);
  });

  it('refuses a key without its certificate file, naming the field', () => {
    expect(() => apiListener(tlsConfig({ certFile: '/nonexistent/tls.crt', keyFile: '/nonexistent/tls.key' }))).toThrow('invalid config: http.tls.certFile: cannot read /nonexistent/tls.crt: ENOENT');
  });
});
