import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerSim } from './local-registry';

describe('registerSim', () => {
  it.each([
    [['serve', 'm', '--port', '8200'], { id: 'sim-8200', address: '127.0.0.1:8200', models: ['m'], role: 'both' }],
    [['serve', 'm', '--port=8201', '--served-model-name', 'a', 'b', '--seed', '1'], { id: 'sim-8201', models: ['a', 'b'] }],
    [['serve', 'm', '--kv-transfer-config', '{"kv_connector":"NixlConnector","kv_role":"kv_producer"}'], { id: 'sim-8000', role: 'prefill' }],
  ])('%p', (args, expected) => {
    const dir = mkdtempSync(join(tmpdir(), 'llmd-reg-'));
    const unregister = registerSim(args, dir);
    const file = join(dir, `${expected.id}.json`);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject(expected);
    unregister();
    expect(existsSync(file)).toBe(false);
  });

  it('registers nothing for other sim commands', () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmd-reg-'));
    registerSim(['--help'], dir)();
    expect(existsSync(join(dir, 'sim-8000.json'))).toBe(false);
  });
});
