import { z } from 'zod';
import { ConfigError } from './config-error';
import { commonEnvMap, kafkaSchema, opsSchemaFor } from './common-schemas';
import { loadConfig } from './load-config';

const schema = z.object({ kafka: kafkaSchema.default({ brokers: ['127.0.0.1:9092'], enabled: true, bufferSize: 10000 }) });
const envMap = commonEnvMap('LLMD_TEST');

function load(env: Record<string, string>) {
  return loadConfig(schema, { envMap, env }).kafka;
}

function refusal(env: Record<string, string>): ConfigError {
  try {
    load(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('kafkaSchema security', () => {
  it('is plaintext without tls or sasl', () => {
    expect(load({})).toEqual({ brokers: ['127.0.0.1:9092'], enabled: true, bufferSize: 10000 });
  });

  it('takes every TLS and SASL key from env, with TLS defaults', () => {
    const kafka = load({
      LLMD_KAFKA_TLS_ENABLED: 'true',
      LLMD_KAFKA_TLS_CA_FILE: '/etc/kafka-ca/ca.crt',
      LLMD_KAFKA_TLS_CERT_FILE: '/etc/kafka-user/user.crt',
      LLMD_KAFKA_TLS_KEY_FILE: '/etc/kafka-user/user.key',
      LLMD_KAFKA_TLS_SERVER_NAME: 'llmd-kafka-bootstrap',
      LLMD_KAFKA_SASL_MECHANISM: 'scram-sha-512',
      LLMD_KAFKA_SASL_USERNAME: 'llmd',
      LLMD_KAFKA_SASL_PASSWORD_FILE: '/etc/kafka-user/password',
    });
    expect(kafka.tls).toEqual({ enabled: true, caFile: '/etc/kafka-ca/ca.crt', certFile: '/etc/kafka-user/user.crt', keyFile: '/etc/kafka-user/user.key', serverName: 'llmd-kafka-bootstrap', rejectUnauthorized: true });
    expect(kafka.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'llmd', passwordFile: '/etc/kafka-user/password' });
  });

  it('takes the password from LLMD_KAFKA_SASL_PASSWORD', () => {
    expect(load({ LLMD_KAFKA_SASL_MECHANISM: 'plain', LLMD_KAFKA_SASL_USERNAME: 'u', LLMD_KAFKA_SASL_PASSWORD: 's3cret' }).sasl).toEqual({ mechanism: 'plain', username: 'u', password: 's3cret' });
  });

  it.each([
    ['an unknown mechanism', { LLMD_KAFKA_SASL_MECHANISM: 'gssapi', LLMD_KAFKA_SASL_USERNAME: 'u', LLMD_KAFKA_SASL_PASSWORD_FILE: '/p' }, 'kafka.sasl.mechanism', /one of plain, scram-sha-256, scram-sha-512/],
    ['no username', { LLMD_KAFKA_SASL_MECHANISM: 'plain', LLMD_KAFKA_SASL_PASSWORD_FILE: '/p' }, 'kafka.sasl.username', /is required/],
    ['no password', { LLMD_KAFKA_SASL_MECHANISM: 'plain', LLMD_KAFKA_SASL_USERNAME: 'u' }, 'kafka.sasl.passwordFile', /LLMD_KAFKA_SASL_PASSWORD/],
    ['a password twice', { LLMD_KAFKA_SASL_MECHANISM: 'plain', LLMD_KAFKA_SASL_USERNAME: 'u', LLMD_KAFKA_SASL_PASSWORD_FILE: '/p', LLMD_KAFKA_SASL_PASSWORD: 'x' }, 'kafka.sasl.password', /give one/],
    ['a certificate without its key', { LLMD_KAFKA_TLS_ENABLED: 'true', LLMD_KAFKA_TLS_CERT_FILE: '/c' }, 'kafka.tls.keyFile', /go together/],
    ['files with TLS off', { LLMD_KAFKA_TLS_CA_FILE: '/ca.crt' }, 'kafka.tls.enabled', /caFile is set/],
    ['an empty file path', { LLMD_KAFKA_TLS_ENABLED: 'true', LLMD_KAFKA_TLS_CA_FILE: ' ' }, 'kafka.tls.caFile', /must be a file path/],
    ['a non-boolean enabled', { LLMD_KAFKA_TLS_ENABLED: 'yes' }, 'kafka.tls.enabled', /LLMD_KAFKA_TLS_ENABLED/],
  ])('refuses %s, naming the field', (_what, env, field, message) => {
    const err = refusal(env);
    expect(err.field).toBe(field);
    expect(err.message).toMatch(message);
  });

  it('never puts the password in the error', () => {
    const err = refusal({ LLMD_KAFKA_SASL_MECHANISM: 'plain', LLMD_KAFKA_SASL_USERNAME: 'u', LLMD_KAFKA_SASL_PASSWORD_FILE: '/p', LLMD_KAFKA_SASL_PASSWORD: 'hunter2' });
    expect(err.message).not.toContain('hunter2');
  });
});

describe('opsSchemaFor', () => {
  const ops = z.object({ ops: opsSchemaFor(9100) });
  const loadOps = (env: Record<string, string>) => loadConfig(ops, { envMap, env }).ops;

  it.each<[Record<string, string>, unknown]>([
    [{}, { host: '127.0.0.1', port: 9100 }],
    [{ LLMD_TEST_DEBUG_ENABLED: 'true' }, { host: '127.0.0.1', port: 9100, debug: { enabled: true } }],
    [{ LLMD_TEST_OPS_HOST: '0.0.0.0' }, { host: '0.0.0.0', port: 9100 }],
    [{ LLMD_TEST_OPS_PORT: '9200' }, { host: '127.0.0.1', port: 9200 }],
  ])('%p keeps the other defaults', (env, expected) => {
    expect(loadOps(env)).toEqual(expected);
  });
});
