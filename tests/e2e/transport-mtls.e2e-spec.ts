// The request path over mutual TLS end to end: a client with a certificate calls the gateway's HTTPS
// port, the gateway picks over mTLS gRPC from the scheduler, which asks cache-manager over mTLS gRPC
// for its precise prefix scores. Certificates are made by openssl at test time, one per service.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { LocalStack } from '@llmd/cli';
import { grpcChannelSecurity, clientTlsSchema, type GrpcChannelSecurity } from '@llmd/platform';
import { PRECISE_PREFIX_CONFIG } from '@llmd/scoring';
import { TestCertificates, type SecretFiles } from '@llmd/platform/testing';
import { E2E_MODEL, startTestStack } from '../support/test-stack';

const serverEnv = (prefix: string, f: SecretFiles) => ({ [`${prefix}_TLS_ENABLED`]: 'true', [`${prefix}_TLS_CERT_FILE`]: f.certFile, [`${prefix}_TLS_KEY_FILE`]: f.keyFile, [`${prefix}_TLS_CA_FILE`]: f.caFile, [`${prefix}_TLS_REQUIRE_CLIENT_CERT`]: 'true' });
const clientEnv = (prefix: string, f: SecretFiles) => ({ [`${prefix}_TLS_ENABLED`]: 'true', [`${prefix}_TLS_CA_FILE`]: f.caFile, [`${prefix}_TLS_CERT_FILE`]: f.certFile, [`${prefix}_TLS_KEY_FILE`]: f.keyFile, [`${prefix}_TLS_SERVER_NAME`]: 'localhost' });

interface Answer {
  status?: number;
  body?: string;
  error?: string;
}

function chat(port: number, ca: string, client?: SecretFiles): Promise<Answer> {
  const body = JSON.stringify({ model: E2E_MODEL, messages: [{ role: 'user', content: 'Say hello over mutual TLS.' }], max_tokens: 8 });
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, servername: 'localhost', method: 'POST', path: '/v1/chat/completions', agent: false, headers: { 'content-type': 'application/json' }, ca: readFileSync(ca), ...(client ? { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) } : {}) },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode, body: text }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    req.end(body);
  });
}

async function metric(port: number, name: string): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).join('\n');
}

describe('gateway -> scheduler -> cache-manager over mutual TLS', () => {
  const certs = new TestCertificates();
  let stack: LocalStack;
  let schedulerChannel: GrpcChannelSecurity;
  let user: SecretFiles;
  let ca: string;

  beforeAll(async () => {
    const authority = certs.ca('llmd-e2e-ca');
    ca = authority.certFile;
    user = certs.issue(authority, 'api-user', 'client');
    const env = {
      ...serverEnv('LLMD_GATEWAY', certs.issue(authority, 'gateway-http', 'server')),
      ...clientEnv('LLMD_GATEWAY_SCHEDULER', certs.issue(authority, 'gateway-client', 'client')),
      ...serverEnv('LLMD_SCHEDULER_GRPC', certs.issue(authority, 'scheduler-grpc', 'server')),
      ...clientEnv('LLMD_SCHEDULER_CACHE_MANAGER', certs.issue(authority, 'scheduler-client', 'client')),
      ...serverEnv('LLMD_CACHE_MANAGER_GRPC', certs.issue(authority, 'cache-manager-grpc', 'server')),
    };
    const test = certs.issue(authority, 'test-client', 'client');
    schedulerChannel = grpcChannelSecurity(clientTlsSchema.parse({ enabled: true, caFile: ca, certFile: test.certFile, keyFile: test.keyFile }), 'test');
    // A lookup deadline of seconds: the assertion is that cache-manager answered, not how fast.
    const picker = { ...PRECISE_PREFIX_CONFIG, plugins: PRECISE_PREFIX_CONFIG.plugins.map((p) => (p.type === 'precise-prefix-cache-scorer' ? { ...p, parameters: { ...p.parameters, timeoutMs: 5000 } } : p)) };
    stack = await startTestStack(1, { env, schedulerEnv: { LLMD_SCHEDULER_PICKER_CONFIG: JSON.stringify(picker) }, schedulerChannel });
  }, 180000);

  afterAll(async () => {
    schedulerChannel?.watcher?.close();
    await stack?.stop();
    certs.remove();
  });

  it('answers a client with a certificate, the scheduler having asked cache-manager', async () => {
    const answer = await chat(stack.options.ports.gateway, ca, user);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body!).choices[0].message.content).toEqual(expect.any(String));
    // The precise scorer's lookup went through: no fallback for an unreachable cache-manager.
    expect(await metric(stack.options.ports.schedulerOps, 'llmd_scheduler_fallbacks_total{reason="unavailable"}')).toBe('');
    expect(await metric(stack.options.ports.cacheManagerOps, 'llmd_cache_manager_score_prompt_blocks_total')).toMatch(/ [1-9]\d*$/m);
  });

  it('refuses a client without a certificate, and plaintext gRPC to the scheduler', async () => {
    expect((await chat(stack.options.ports.gateway, ca)).status).toBeUndefined();
    const { TestSchedulerClient } = await import('../support/scheduler-client');
    const plain = new TestSchedulerClient(`127.0.0.1:${stack.options.ports.scheduler}`);
    try {
      expect(await plain.healthyEndpoints()).toBe(0);
    } finally {
      plain.close();
    }
  });
});
