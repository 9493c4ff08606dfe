// Config loading fed arbitrary files and env values: a config comes back, or a ConfigError naming the
// file or a field; no other error, whatever the YAML (anchors, tags, merge keys, deep nesting) holds.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { forAll, Gen, thrownBy } from '../testing';
import { commonEnvMap, kafkaSchema, logLevelSchema, opsSchemaFor, shutdownSchema } from './common-schemas';
import { ConfigError } from './config-error';
import { loadConfig } from './load-config';

/** A service config made of the shared fragments, as every service's is. */
const schema = z.object({
  logLevel: logLevelSchema.default('info'),
  ops: opsSchemaFor(9100),
  kafka: kafkaSchema.default({ brokers: ['127.0.0.1:9092'], enabled: true, bufferSize: 10000 }),
  shutdown: shutdownSchema.default({ graceMs: 10000 }),
  limits: z.object({ bodyBytes: z.coerce.number().int().min(1).default(1) }).default({ bodyBytes: 1 }),
});
const envMap = { ...commonEnvMap('LLMD_TEST'), LLMD_TEST_BODY_LIMIT: 'limits.bodyBytes' };
const KEYS = ['logLevel', 'ops', 'port', 'host', 'debug', 'enabled', 'token', 'kafka', 'brokers', 'tls', 'sasl', 'mechanism', 'shutdown', 'graceMs', 'limits', 'bodyBytes', '__proto__', '<<'];
const YAML_SNIPPETS = ['a: &x 1\nb: *x\n', 'a: *nope\n', '<<: {ops: {port: 1}}\n', '!!binary aGk=\n', 'ops: !!map {port: 9}\n', '- a\n- b\n', '"unterminated', 'a:\n\t- tab\n', 'a: [1, 2\n', '---\n---\n', '? [a]\n: b\n', 'ops: {port: 99999999999999999999}\n', `${'['.repeat(200)}${']'.repeat(200)}`, 'ops:\n  debug:\n    enabled: yes\n'];

/** A config document as an operator might write it, or break it. */
function document(g: Gen): string {
  const value = (depth: number): unknown => (depth <= 0 || g.bool(0.4) ? g.pick<() => unknown>([() => g.string(8), () => g.number(), () => g.bool(), () => null])() : g.bool(0.3) ? g.array(3, () => value(depth - 1)) : Object.fromEntries(g.array(4, () => [g.pick(KEYS), value(depth - 1)])));
  return g.pick<() => string>([
    () => stringify(value(4)),
    () => g.pick(YAML_SNIPPETS),
    () => g.mutate(Buffer.from(stringify(value(4)) + g.pick(YAML_SNIPPETS))).toString('utf8'),
    () => g.string(120),
  ])();
}

describe('loadConfig on arbitrary files and env', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'llmd-config-fuzz-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers a config or a ConfigError, nothing else', () => {
    const file = join(dir, 'config.yaml');
    forAll(
      (g) => ({ text: document(g), env: Object.fromEntries(g.array(3, () => [g.pick(Object.keys(envMap)), g.bool() ? g.string(12) : JSON.stringify(g.value(2), (_k, v) => (typeof v === 'bigint' ? Number(v) : v)) ?? ''])) as Record<string, string> }),
      ({ text, env }) => {
        writeFileSync(file, text);
        const err = thrownBy(() => loadConfig(schema, { envMap, env: { ...env, LLMD_CONFIG: file } }));
        if (err !== undefined) {
          expect(err).toBeInstanceOf(ConfigError);
          expect((err as ConfigError).message.length).toBeGreaterThan(0);
        }
      },
      { runs: Number(process.env.LLMD_FUZZ_RUNS ?? 300) },
    );
  });

  it('refuses an alias bomb (billion laughs) with a ConfigError instead of expanding it', () => {
    const file = join(dir, 'bomb.yaml');
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    writeFileSync(file, `${levels.join('\n')}\n`);
    expect(() => loadConfig(schema, { envMap, env: { LLMD_CONFIG: file } })).toThrow(ConfigError);
  });
});
