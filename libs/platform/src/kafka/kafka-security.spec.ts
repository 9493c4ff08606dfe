import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../config/config-error';
import { describeKafkaSecurity, kafkaSecurityOptions, kafkaSecurityWarnings, type KafkaSecurityConfig } from './kafka-security';

/** A filesystem of a few files: anything else is missing, as readFileSync says it. */
const FILES: Record<string, string> = {
  '/ca/ca.crt': 'CA PEM',
  '/user/user.crt': 'CERT PEM',
  '/user/user.key': 'KEY PEM',
  '/user/password': 's3cret\n',
  '/empty': '\n',
};
const readFile = (path: string): string => {
  if (path in FILES) return FILES[path];
  throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
};

const tls = (over: Partial<NonNullable<KafkaSecurityConfig['tls']>> = {}) => ({ enabled: true, rejectUnauthorized: true, ...over });

describe('kafkaSecurityOptions', () => {
  it.each<[string, KafkaSecurityConfig, unknown]>([
    ['nothing: plaintext', {}, {}],
    ['TLS off with a config present', { tls: { enabled: false, rejectUnauthorized: true } }, {}],
    ["TLS on, Node's CAs", { tls: tls() }, { ssl: { rejectUnauthorized: true } }],
    ['TLS with a CA and a server name', { tls: tls({ caFile: '/ca/ca.crt', serverName: 'kafka.example' }) }, { ssl: { rejectUnauthorized: true, ca: ['CA PEM'], servername: 'kafka.example' } }],
    ['mutual TLS', { tls: tls({ caFile: '/ca/ca.crt', certFile: '/user/user.crt', keyFile: '/user/user.key' }) }, { ssl: { rejectUnauthorized: true, ca: ['CA PEM'], cert: 'CERT PEM', key: 'KEY PEM' } }],
    ['TLS without checking certificates', { tls: tls({ rejectUnauthorized: false }) }, { ssl: { rejectUnauthorized: false } }],
    ['SASL SCRAM-SHA-512 from a file (its newline dropped)', { sasl: { mechanism: 'scram-sha-512', username: 'llmd', passwordFile: '/user/password' } }, { sasl: { mechanism: 'scram-sha-512', username: 'llmd', password: 's3cret' } }],
    ['SASL PLAIN from env', { sasl: { mechanism: 'plain', username: 'u', password: 'p' } }, { sasl: { mechanism: 'plain', username: 'u', password: 'p' } }],
    [
      'SASL SCRAM-SHA-256 over TLS',
      { tls: tls({ caFile: '/ca/ca.crt' }), sasl: { mechanism: 'scram-sha-256', username: 'u', passwordFile: '/user/password' } },
      { ssl: { rejectUnauthorized: true, ca: ['CA PEM'] }, sasl: { mechanism: 'scram-sha-256', username: 'u', password: 's3cret' } },
    ],
  ])('%s', (_what, config, expected) => {
    expect(kafkaSecurityOptions(config, readFile)).toEqual(expected);
  });

  it.each<[string, KafkaSecurityConfig, string, RegExp]>([
    ['a missing CA file', { tls: tls({ caFile: '/nope/ca.crt' }) }, 'kafka.tls.caFile', /cannot read \/nope\/ca\.crt: ENOENT/],
    ['a missing certificate', { tls: tls({ certFile: '/nope/user.crt', keyFile: '/user/user.key' }) }, 'kafka.tls.certFile', /cannot read/],
    ['a missing key', { tls: tls({ certFile: '/user/user.crt', keyFile: '/nope/user.key' }) }, 'kafka.tls.keyFile', /cannot read/],
    ['an empty CA file', { tls: tls({ caFile: '/empty' }) }, 'kafka.tls.caFile', /\/empty is empty/],
    ['a missing password file', { sasl: { mechanism: 'plain', username: 'u', passwordFile: '/nope/password' } }, 'kafka.sasl.passwordFile', /cannot read/],
    ['an empty password file', { sasl: { mechanism: 'plain', username: 'u', passwordFile: '/empty' } }, 'kafka.sasl.passwordFile', /is empty/],
    ['no password at all', { sasl: { mechanism: 'plain', username: 'u' } }, 'kafka.sasl.passwordFile', /is required/],
  ])('refuses %s, naming the field', (_what, config, field, message) => {
    let error: unknown;
    try {
      kafkaSecurityOptions(config, readFile);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe(field);
    expect((error as ConfigError).message).toMatch(message);
  });

  it('reads real files by default', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmd-kafka-security-'));
    writeFileSync(join(dir, 'ca.crt'), 'REAL CA');
    writeFileSync(join(dir, 'password'), 'pw');
    const options = kafkaSecurityOptions({ tls: tls({ caFile: join(dir, 'ca.crt') }), sasl: { mechanism: 'scram-sha-512', username: 'u', passwordFile: join(dir, 'password') } });
    expect(options).toEqual({ ssl: { rejectUnauthorized: true, ca: ['REAL CA'] }, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'pw' } });
    expect(() => kafkaSecurityOptions({ tls: tls({ caFile: join(dir, 'missing.crt') }) })).toThrow(/kafka\.tls\.caFile: cannot read/);
  });
});

describe('describeKafkaSecurity and its warnings', () => {
  it.each<[KafkaSecurityConfig, string, string[]]>([
    [{}, 'plaintext', []],
    [{ tls: { enabled: false, rejectUnauthorized: true } }, 'plaintext', []],
    [{ tls: tls() }, 'TLS', []],
    [{ tls: tls({ certFile: '/c', keyFile: '/k' }) }, 'mutual TLS', []],
    [{ tls: tls({ rejectUnauthorized: false }) }, 'TLS', ["kafka.tls.rejectUnauthorized is false: the brokers' certificates are not checked"]],
    [{ tls: tls(), sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'hunter2' } }, 'SASL scram-sha-512 over TLS', []],
    [{ sasl: { mechanism: 'scram-sha-256', username: 'u', passwordFile: '/p' } }, 'SASL scram-sha-256 over plaintext', []],
    [{ sasl: { mechanism: 'plain', username: 'u', password: 'hunter2' } }, 'SASL plain over plaintext', ['SASL plain without TLS sends the password in clear: enable kafka.tls']],
  ])('%j is %s', (config, description, warnings) => {
    expect(describeKafkaSecurity(config)).toBe(description);
    expect(kafkaSecurityWarnings(config)).toEqual(warnings);
    expect(JSON.stringify([describeKafkaSecurity(config), kafkaSecurityWarnings(config)])).not.toContain('hunter2');
  });
});
