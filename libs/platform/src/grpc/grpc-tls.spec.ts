import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { Client, makeGenericClientConstructor, Metadata, ServiceDefinition, status, type ServiceError } from '@grpc/grpc-js';
import { TestCertificates, type TestCa } from '../testing';
import { clientTlsSchema, serverTlsSchema, type ClientTlsConfig, type ServerTlsConfig } from '../config/transport-tls-schemas';
import { ConfigError } from '../config/config-error';
import { GrpcServer } from './grpc-server';
import { grpcChannelSecurity, grpcServerSecurity, type GrpcChannelSecurity } from './grpc-tls';

// A service of one unary method whose answer is the serial number of the client's certificate ('' without one).
const identity = (b: Buffer) => b;
const WHO_AM_I: ServiceDefinition = {
  whoAmI: { path: '/llmd.test.v1.Peer/WhoAmI', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity },
};
const PeerClient = makeGenericClientConstructor(WHO_AM_I, 'Peer');
type PeerClient = Client & { whoAmI(req: Buffer, md: Metadata, opts: { deadline: number }, cb: (err: ServiceError | null, res?: Buffer) => void): void };

const certs = new TestCertificates();
let ca: TestCa;
let otherCa: TestCa;

beforeAll(() => {
  ca = certs.ca('llmd-test-ca');
  otherCa = certs.ca('llmd-other-ca');
});
afterAll(() => certs.remove());

const serverTls = (t: Partial<ServerTlsConfig>): ServerTlsConfig => serverTlsSchema.parse({ enabled: true, reloadMs: 100, ...t });
const clientTls = (t: Partial<ClientTlsConfig>): ClientTlsConfig => clientTlsSchema.parse({ enabled: true, reloadMs: 100, ...t });

async function startServer(tls: ServerTlsConfig): Promise<{ server: GrpcServer; port: number; security: ReturnType<typeof grpcServerSecurity> }> {
  const server = new GrpcServer([{ definition: WHO_AM_I, implementation: { whoAmI: (call: { getAuthContext(): { sslPeerCertificate?: { serialNumber?: string } } | null }, cb: (e: null, r: Buffer) => void) => cb(null, Buffer.from(call.getAuthContext()?.sslPeerCertificate?.serialNumber ?? '')) } }]);
  const security = grpcServerSecurity(tls, 'grpc.tls');
  const port = await server.start('127.0.0.1', 0, security);
  return { server, port, security };
}

/** One call on a new channel: the client certificate's serial as the server saw it, or the gRPC status code. */
function whoAmI(port: number, security: GrpcChannelSecurity): Promise<string | { code: status }> {
  const client = new PeerClient(`localhost:${port}`, security.credentials, security.options) as unknown as PeerClient;
  return new Promise((resolve) => {
    client.whoAmI(Buffer.alloc(0), new Metadata(), { deadline: Date.now() + 5000 }, (err, res) => {
      client.close();
      resolve(err ? { code: err.code } : (res ?? Buffer.alloc(0)).toString());
    });
  });
}

/** The serial number of the certificate the server presents on a new connection. */
function servedSerial(port: number, caFiles: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca: caFiles.map((f) => readFileSync(f)), ALPNProtocols: ['h2'] }, () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

const serialOf = (file: string) => new (require('node:crypto').X509Certificate)(readFileSync(file)).serialNumber as string;

describe('gRPC over mutual TLS', () => {
  let server: GrpcServer;
  let port: number;
  const channels: GrpcChannelSecurity[] = [];
  const channel = (t: Partial<ClientTlsConfig>) => {
    const c = grpcChannelSecurity(clientTls(t), 'scheduler.tls');
    channels.push(c);
    return c;
  };

  beforeAll(async () => {
    const files = certs.issue(ca, 'mtls-server', 'server');
    ({ server, port } = await startServer(serverTls({ certFile: files.certFile, keyFile: files.keyFile, caFile: files.caFile, requireClientCert: true })));
  });
  afterAll(async () => {
    for (const c of channels) c.watcher?.close();
    await server.stop(1000);
  });

  it('answers a client whose certificate the CA signed, and sees that certificate', async () => {
    const client = certs.issue(ca, 'good-client', 'client');
    expect(await whoAmI(port, channel({ caFile: ca.certFile, certFile: client.certFile, keyFile: client.keyFile }))).toBe(serialOf(client.certFile));
  });

  it.each([
    ['no client certificate', () => ({ caFile: ca.certFile })],
    ['a client certificate of another CA', () => {
      const stranger = certs.issue(otherCa, 'stranger-client', 'client');
      return { caFile: ca.certFile, certFile: stranger.certFile, keyFile: stranger.keyFile };
    }],
    ["a client that trusts another CA than the server's", () => {
      const client = certs.issue(ca, 'misled-client', 'client');
      return { caFile: otherCa.certFile, certFile: client.certFile, keyFile: client.keyFile };
    }],
  ])('refuses %s', async (_what, tls) => {
    expect(await whoAmI(port, channel(tls()))).toEqual({ code: status.UNAVAILABLE });
  });

  it('refuses a plaintext client', async () => {
    expect(await whoAmI(port, grpcChannelSecurity(undefined, 'scheduler.tls'))).toEqual({ code: status.UNAVAILABLE });
  });

  it('presents a rotated client certificate on the next connection, without a new client config', async () => {
    const files = certs.issue(ca, 'rotating-client', 'client');
    const security = channel({ caFile: ca.certFile, certFile: files.certFile, keyFile: files.keyFile });
    expect(await whoAmI(port, security)).toBe(serialOf(files.certFile));
    const changed = new Promise((resolve) => security.watcher!.onChange(resolve));
    const renewed = certs.issue(ca, 'rotating-client', 'client');
    await changed;
    expect(await whoAmI(port, security)).toBe(serialOf(renewed.certFile));
  });
});

describe('gRPC over TLS without client certificates', () => {
  it('serves a client that checks the server against the CA (the identity provider goes first)', async () => {
    const files = certs.issue(ca, 'tls-server', 'server');
    const { server, port } = await startServer(serverTls({ certFile: files.certFile, keyFile: files.keyFile }));
    const security = grpcChannelSecurity(clientTls({ caFile: ca.certFile }), 'cacheManager.tls');
    try {
      expect(await whoAmI(port, security)).toBe('');
    } finally {
      security.watcher?.close();
      await server.stop(1000);
    }
  });
});

describe('gRPC server certificate rotation', () => {
  it('serves new connections with certificates rewritten in place, from a new CA, without a restart', async () => {
    const first = certs.issue(ca, 'rotating-server', 'server');
    const { server, port, security } = await startServer(serverTls({ certFile: first.certFile, keyFile: first.keyFile }));
    try {
      const oldCaClient = grpcChannelSecurity(clientTls({ caFile: ca.certFile }), 'scheduler.tls');
      const newCaClient = grpcChannelSecurity(clientTls({ caFile: otherCa.certFile }), 'scheduler.tls');
      expect(await servedSerial(port, [ca.certFile])).toBe(serialOf(first.certFile));
      expect(await whoAmI(port, newCaClient)).toEqual({ code: status.UNAVAILABLE });

      const changed = new Promise((resolve) => security.watcher!.onChange(resolve));
      const renewed = certs.issue(otherCa, 'rotating-server', 'server');
      await changed;

      expect(await servedSerial(port, [ca.certFile, otherCa.certFile])).toBe(serialOf(renewed.certFile));
      expect(await whoAmI(port, newCaClient)).toBe('');
      expect(await whoAmI(port, oldCaClient)).toEqual({ code: status.UNAVAILABLE });
      oldCaClient.watcher?.close();
      newCaClient.watcher?.close();
    } finally {
      await server.stop(1000);
    }
  });
});

describe('gRPC TLS config errors', () => {
  it.each([
    ['a missing certificate file', () => ({ certFile: '/nonexistent/tls.crt', keyFile: certs.issue(ca, 'e1', 'server').keyFile }), 'grpc.tls.certFile', /cannot read \/nonexistent\/tls.crt/],
    ['a key of another certificate', () => ({ certFile: certs.issue(ca, 'e2', 'server').certFile, keyFile: certs.issue(ca, 'e3', 'server').keyFile }), 'grpc.tls.keyFile', /does not make a TLS context/],
    ['a CA file that is no certificate', () => {
      const f = certs.issue(ca, 'e4', 'server');
      return { certFile: f.certFile, keyFile: f.keyFile, caFile: f.keyFile };
    }, 'grpc.tls.caFile', /no PEM certificate/],
  ])('names the field for %s', (_what, tls, field, message) => {
    let err: unknown;
    try {
      grpcServerSecurity(serverTls(tls()), 'grpc.tls');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).field).toBe(field);
    expect((err as ConfigError).message).toMatch(message);
  });
});
