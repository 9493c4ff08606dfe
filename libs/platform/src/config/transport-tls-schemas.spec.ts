import { z } from 'zod';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';
import { clientTlsEnv, clientTlsSchema, serverTlsEnv, serverTlsSchema } from './transport-tls-schemas';

const schema = z.object({
  grpc: z.object({ tls: serverTlsSchema.optional() }).default({}),
  upstream: z.object({ tls: clientTlsSchema.optional() }).default({}),
});
const envMap = { ...serverTlsEnv('LLMD_TEST_GRPC', 'grpc.tls'), ...clientTlsEnv('LLMD_TEST_UPSTREAM', 'upstream.tls') };
const load = (env: Record<string, string>) => loadConfig(schema, { envMap, env });

function refusal(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('transport TLS schemas', () => {
  it('are plaintext when absent', () => {
    expect(load({})).toEqual({ grpc: {}, upstream: {} });
  });

  it('take every key from env, in the Secret layout cert-manager writes', () => {
    const config = load({
      LLMD_TEST_GRPC_TLS_ENABLED: 'true',
      LLMD_TEST_GRPC_TLS_CERT_FILE: '/etc/llmd/tls/tls.crt',
      LLMD_TEST_GRPC_TLS_KEY_FILE: '/etc/llmd/tls/tls.key',
      LLMD_TEST_GRPC_TLS_CA_FILE: '/etc/llmd/tls/ca.crt',
      LLMD_TEST_GRPC_TLS_REQUIRE_CLIENT_CERT: 'true',
      LLMD_TEST_GRPC_TLS_RELOAD_MS: '5000',
      LLMD_TEST_UPSTREAM_TLS_ENABLED: '1',
      LLMD_TEST_UPSTREAM_TLS_CA_FILE: '/etc/llmd/client/ca.crt',
      LLMD_TEST_UPSTREAM_TLS_CERT_FILE: '/etc/llmd/client/tls.crt',
      LLMD_TEST_UPSTREAM_TLS_KEY_FILE: '/etc/llmd/client/tls.key',
      LLMD_TEST_UPSTREAM_TLS_SERVER_NAME: 'scheduler.llmd.svc',
    });
    expect(config.grpc.tls).toEqual({ enabled: true, certFile: '/etc/llmd/tls/tls.crt', keyFile: '/etc/llmd/tls/tls.key', caFile: '/etc/llmd/tls/ca.crt', requireClientCert: true, reloadMs: 5000 });
    expect(config.upstream.tls).toEqual({ enabled: true, caFile: '/etc/llmd/client/ca.crt', certFile: '/etc/llmd/client/tls.crt', keyFile: '/etc/llmd/client/tls.key', serverName: 'scheduler.llmd.svc', reloadMs: 10000 });
  });

  it.each([
    ['a server without a certificate', { LLMD_TEST_GRPC_TLS_ENABLED: 'true' }, 'grpc.tls.certFile', /is required when enabled/],
    ['a key without its certificate', { LLMD_TEST_GRPC_TLS_ENABLED: 'true', LLMD_TEST_GRPC_TLS_KEY_FILE: '/k' }, 'grpc.tls.certFile', /go together/],
    ['a certificate without its key', { LLMD_TEST_GRPC_TLS_ENABLED: 'true', LLMD_TEST_GRPC_TLS_CERT_FILE: '/c' }, 'grpc.tls.keyFile', /go together/],
    ['client certificates required without a CA', { LLMD_TEST_GRPC_TLS_ENABLED: 'true', LLMD_TEST_GRPC_TLS_CERT_FILE: '/c', LLMD_TEST_GRPC_TLS_KEY_FILE: '/k', LLMD_TEST_GRPC_TLS_REQUIRE_CLIENT_CERT: 'true' }, 'grpc.tls.caFile', /requireClientCert/],
    ['server files with TLS off', { LLMD_TEST_GRPC_TLS_CERT_FILE: '/c', LLMD_TEST_GRPC_TLS_KEY_FILE: '/k' }, 'grpc.tls.enabled', /certFile, keyFile are set/],
    ['a reload interval under 100 ms', { LLMD_TEST_GRPC_TLS_RELOAD_MS: '10' }, 'grpc.tls.reloadMs', /100/],
    ['a client without a CA', { LLMD_TEST_UPSTREAM_TLS_ENABLED: 'true' }, 'upstream.tls.caFile', /is required when enabled/],
    ['a client key without its certificate', { LLMD_TEST_UPSTREAM_TLS_ENABLED: 'true', LLMD_TEST_UPSTREAM_TLS_CA_FILE: '/ca', LLMD_TEST_UPSTREAM_TLS_KEY_FILE: '/k' }, 'upstream.tls.certFile', /go together/],
    ['client files with TLS off', { LLMD_TEST_UPSTREAM_TLS_CA_FILE: '/ca' }, 'upstream.tls.enabled', /caFile is set/],
  ])('refuses %s, naming the field', (_what, env, field, message) => {
    const err = refusal(env);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
  });
});
