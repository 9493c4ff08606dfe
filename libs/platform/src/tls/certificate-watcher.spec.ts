import { copyFileSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { TestCertificates } from '../testing';
import { CertificateWatcher } from './certificate-watcher';

const certs = new TestCertificates();
afterAll(() => certs.remove());

/** A logger whose next warning or info line can be awaited. */
function recordingLogger() {
  const waiting: { level: string; resolve: (fields: Record<string, unknown>) => void }[] = [];
  const emit = (level: string) => (fields: Record<string, unknown>) => {
    const i = waiting.findIndex((w) => w.level === level);
    if (i >= 0) waiting.splice(i, 1)[0].resolve(fields);
  };
  return {
    logger: { info: emit('info'), warn: emit('warn') } as never,
    next: (level: 'info' | 'warn') => new Promise<Record<string, unknown>>((resolve) => waiting.push({ level, resolve })),
  };
}

describe('CertificateWatcher', () => {
  it('keeps the certificates in force when a re-read pair does not match, and takes the next good pair', async () => {
    const ca = certs.ca('watcher-ca');
    const files = certs.issue(ca, 'watched', 'server');
    const { logger, next } = recordingLogger();
    const watcher = new CertificateWatcher('grpc.tls', { certFile: files.certFile, keyFile: files.keyFile, caFile: files.caFile, reloadMs: 100 }, logger);
    try {
      const first = watcher.certificates();
      const changes: unknown[] = [];
      watcher.onChange((set) => changes.push(set));

      // Another certificate's key over this one's: not applied, and said so.
      const warned = next('warn');
      const other = certs.issue(ca, 'other', 'server');
      const tmp = join(certs.root, 'swap.key');
      copyFileSync(other.keyFile, tmp);
      renameSync(tmp, files.keyFile);
      expect(await warned).toMatchObject({ field: 'grpc.tls', reason: expect.stringMatching(/key values mismatch/) });
      expect(watcher.certificates()).toBe(first);
      expect(changes).toEqual([]);

      // A whole new set: applied, logged with the new serial number.
      const reloaded = next('info');
      const renewed = certs.issue(ca, 'watched', 'server');
      const line = await reloaded;
      expect((line.certificate as { serialNumber: string }).serialNumber).toBe(new (require('node:crypto').X509Certificate)(readFileSync(renewed.certFile)).serialNumber);
      expect(watcher.certificates().cert?.equals(readFileSync(renewed.certFile))).toBe(true);
      expect(changes).toHaveLength(1);
    } finally {
      watcher.close();
    }
  });
});
