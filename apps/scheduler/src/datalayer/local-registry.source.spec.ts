import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { EndpointRegistry } from './endpoint-registry';
import { LocalRegistrySource } from './local-registry.source';

describe('LocalRegistrySource', () => {
  it('adds, updates and removes endpoints as their files come and go, skipping bad ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmd-registry-'));
    const registry = new EndpointRegistry(1000);
    const source = new LocalRegistrySource(dir, registry, pino({ level: 'silent' }));
    const ids = () => registry.specs().map((s) => `${s.id}@${s.address}`).sort();

    writeFileSync(join(dir, 'a.json'), JSON.stringify({ id: 'a', address: '127.0.0.1:8100', models: ['m'] }));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ id: 'bad', address: 'no-port', models: ['m'] }));
    writeFileSync(join(dir, 'junk.json'), '{not json');
    await source.sync();
    expect(ids()).toEqual(['a@127.0.0.1:8100']);

    writeFileSync(join(dir, 'a.json'), JSON.stringify({ id: 'a', address: '127.0.0.1:8200', models: ['m'] }));
    writeFileSync(join(dir, 'b.json'), JSON.stringify({ id: 'b', address: '127.0.0.1:8101', models: ['m'], role: 'decode' }));
    await source.sync();
    expect(ids()).toEqual(['a@127.0.0.1:8200', 'b@127.0.0.1:8101']);

    rmSync(join(dir, 'a.json'));
    await source.sync();
    expect(ids()).toEqual(['b@127.0.0.1:8101']);
    rmSync(dir, { recursive: true, force: true });
  });
});
