import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadKubeConfig } from './client-node';

const config = (server: string) =>
  ['apiVersion: v1', 'kind: Config', `clusters: [{name: c, cluster: {server: "${server}"}}]`, 'users: [{name: u, user: {token: t}}]', 'contexts: [{name: x, context: {cluster: c, user: u}}]', 'current-context: x', ''].join('\n');

describe('loadKubeConfig', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'kit-kc-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the file it is given (the client loads under jest too)', () => {
    writeFileSync(join(dir, 'a'), config('https://a.example:6443'));
    expect(loadKubeConfig(join(dir, 'a')).getCurrentCluster()?.server).toBe('https://a.example:6443');
  });

  it('names a file that does not exist', () => {
    expect(() => loadKubeConfig(join(dir, 'missing'))).toThrow(/missing/);
  });
});
