import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyFileWatcher, parseKeyFile, ReloadReport } from './key-file-watcher';
import { hashKey, TenantRegistry, tenantKeySchema } from './tenant-registry';

const yaml = (keys: { name: string; key: string; requestsPerMinute?: number }[]) => keys.map((k) => `- name: ${k.name}\n  key: ${k.key}\n${k.requestsPerMinute ? `  requestsPerMinute: ${k.requestsPerMinute}\n` : ''}`).join('');

/** A Secret as the kubelet mounts it: keys.yaml -> ..data/keys.yaml, ..data -> a timestamped folder, swapped at once. */
class MountedSecret {
  readonly dir = mkdtempSync(join(tmpdir(), 'llmd-secret-'));
  readonly path = join(this.dir, 'keys.yaml');
  private version = 0;

  constructor(content: string) {
    this.write(content);
    symlinkSync(join('..data', 'keys.yaml'), this.path);
  }

  write(content: string): void {
    const folder = `..v${++this.version}`;
    mkdirSync(join(this.dir, folder));
    writeFileSync(join(this.dir, folder, 'keys.yaml'), content);
    symlinkSync(folder, join(this.dir, '..data_tmp'));
    renameSync(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const statusOf = (r: TenantRegistry, key: string) => {
  try {
    return r.authenticate(`Bearer ${key}`).name;
  } catch {
    return 401;
  }
};

describe('KeyFileWatcher', () => {
  let secret: MountedSecret;
  afterEach(() => secret?.remove());

  it('applies a rotated Secret: the new key works, the removed one does not, inline keys stay', () => {
    secret = new MountedSecret(yaml([{ name: 'team-a', key: 'sk-team-a-old1' }]));
    const inline = [tenantKeySchema.parse({ name: 'ops', key: 'sk-ops-inline' })];
    const registry = new TenantRegistry(inline);
    const reports: ReloadReport[] = [];
    const watcher = new KeyFileWatcher(secret.path, inline, registry, (r) => reports.push(r));
    expect(watcher.check()).toEqual({ result: 'reloaded', tenants: 2 });
    expect(statusOf(registry, 'sk-team-a-old1')).toBe('team-a');
    expect(watcher.check()).toEqual({ result: 'unchanged' });

    secret.write(yaml([{ name: 'team-a', key: 'sk-team-a-new2' }, { name: 'team-b', key: 'sk-team-b-0001' }]));
    expect(watcher.check()).toEqual({ result: 'reloaded', tenants: 3 });
    expect(statusOf(registry, 'sk-team-a-old1')).toBe(401);
    expect(statusOf(registry, 'sk-team-a-new2')).toBe('team-a');
    expect(statusOf(registry, 'sk-team-b-0001')).toBe('team-b');
    expect(statusOf(registry, 'sk-ops-inline')).toBe('ops');
    expect(reports.map((r) => r.result)).toEqual(['reloaded', 'reloaded']);
  });

  it('keeps the keys in force when the new file is invalid or gone, and names the field, not the content', () => {
    secret = new MountedSecret(yaml([{ name: 'team-a', key: 'sk-team-a-0001' }]));
    const registry = new TenantRegistry([]);
    const watcher = new KeyFileWatcher(secret.path, [], registry);
    watcher.check();

    secret.write('- name: team-a\n  key: sk-1\n');
    const invalid = watcher.check();
    expect(invalid.result).toBe('invalid');
    expect(invalid.reason).toMatch(/^0\.key: /);
    expect(invalid.reason).not.toContain('sk-1');
    expect(statusOf(registry, 'sk-team-a-0001')).toBe('team-a');

    secret.write('- name: [unclosed\n  key: sk-leaky-secret-key');
    expect(watcher.check()).toEqual({ result: 'invalid', reason: 'not valid YAML or JSON' });

    rmSync(join(secret.dir, '..data'));
    expect(watcher.check()).toEqual({ result: 'unreadable', reason: 'ENOENT' });
    expect(statusOf(registry, 'sk-team-a-0001')).toBe('team-a');

    // Put back as it was: nothing to apply, those keys are the ones in force.
    secret.write(yaml([{ name: 'team-a', key: 'sk-team-a-0001' }]));
    expect(watcher.check().result).toBe('unchanged');
    secret.write(yaml([{ name: 'team-a', key: 'sk-team-a-0002' }]));
    expect(watcher.check().result).toBe('reloaded');
    expect(statusOf(registry, 'sk-team-a-0002')).toBe('team-a');
  });

  it('parses a JSON key file as well as YAML', () => {
    expect(parseKeyFile(JSON.stringify([{ name: 'x', key: 'sk-12345678' }]))).toEqual({ keys: [{ name: 'x', keyHash: hashKey('sk-12345678'), models: [] }] });
    expect(parseKeyFile('{"name": "x"}')).toEqual({ reason: '(root): Invalid input: expected array, received object' });
  });
});

describe('TenantRegistry.replace', () => {
  it('keeps what a tenant used of its rate limit across a reload, within a changed limit', () => {
    let now = 0;
    const keys = (rpm: number) => [tenantKeySchema.parse({ name: 'team-a', key: 'sk-team-a-0001', requestsPerMinute: rpm })];
    const registry = new TenantRegistry(keys(3), () => now);
    const a = registry.authenticate('Bearer sk-team-a-0001');
    registry.admit(a, 'm', 1);
    registry.admit(a, 'm', 1);
    registry.replace(keys(3));
    registry.admit(a, 'm', 1);
    expect(() => registry.admit(a, 'm', 1)).toThrow(/requests per minute/);
    // The limit doubles: the tenant has used 3 of 6.
    registry.replace(keys(6));
    for (let i = 0; i < 3; i++) registry.admit(a, 'm', 1);
    expect(() => registry.admit(a, 'm', 1)).toThrow(/requests per minute/);
    // And lowered: never more than the new capacity is left.
    now = 120000;
    registry.replace(keys(2));
    registry.admit(a, 'm', 1);
    registry.admit(a, 'm', 1);
    expect(() => registry.admit(a, 'm', 1)).toThrow(/requests per minute/);
  });
});
