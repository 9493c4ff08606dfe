// Certificates for TLS tests, made with openssl in a temporary folder: a CA, and server and client
// certificates it signs, written in cert-manager's Secret layout (tls.crt, tls.key, ca.crt).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  name: string;
  dir: string;
  certFile: string;
  keyFile: string;
}

/** A folder as a mounted cert-manager Secret: tls.crt, tls.key, ca.crt. */
export interface SecretFiles {
  dir: string;
  certFile: string;
  keyFile: string;
  caFile: string;
}

export class TestCertificates {
  readonly root = mkdtempSync(join(tmpdir(), 'llmd-tls-test-'));
  private serial = 1;

  /** A self-signed CA. */
  ca(name: string): TestCa {
    const dir = join(this.root, `ca-${name}`);
    mkdirSync(dir);
    this.openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${name}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    return { name, dir, certFile: join(dir, 'ca.crt'), keyFile: join(dir, 'ca.key') };
  }

  /**
   * A leaf certificate signed by `ca`, written (atomically, as the kubelet swaps a Secret volume) into
   * `secret` (a folder name under the root, made if absent): a server certificate for 127.0.0.1 and
   * localhost, or a client one. Each call gives a new serial number, so a rewrite is a new certificate.
   */
  issue(ca: TestCa, secret: string, kind: 'server' | 'client', cn = `llmd-${kind}`): SecretFiles {
    const dir = join(this.root, secret);
    mkdirSync(dir, { recursive: true });
    const work = mkdtempSync(join(this.root, 'work-'));
    const ext = kind === 'server' ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth' : 'extendedKeyUsage=clientAuth';
    writeFileSync(join(work, 'leaf.ext'), `${ext}\n`);
    this.openssl(work, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'tls.key', '-out', 'leaf.csr', '-subj', `/CN=${cn}`]);
    this.openssl(work, ['x509', '-req', '-in', 'leaf.csr', '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', String(this.serial++ * 1000 + Math.floor(Math.random() * 1000)), '-out', 'tls.crt', '-days', '2', '-extfile', 'leaf.ext']);
    copyFileSync(ca.certFile, join(work, 'ca.crt'));
    for (const f of ['tls.key', 'tls.crt', 'ca.crt']) renameSync(join(work, f), join(dir, f));
    rmSync(work, { recursive: true, force: true });
    return { dir, certFile: join(dir, 'tls.crt'), keyFile: join(dir, 'tls.key'), caFile: join(dir, 'ca.crt') };
  }

  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }

  private openssl(cwd: string, args: string[]): void {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  }
}
