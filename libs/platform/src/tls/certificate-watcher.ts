// Certificate files that are re-read while the process runs (cert-manager renews them in place): read
// and checked once at start, where a bad file is a ConfigError naming its field, then by grpc-js's own
// FileWatcherCertificateProvider every reloadMs. A re-read set that does not make a TLS context (a key
// that does not match its certificate, a file missing) is not applied: the last good set stays.
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { experimental } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { ConfigError } from '../config/config-error';

type CertificateProvider = experimental.CertificateProvider;
type CaListener = experimental.CaCertificateUpdateListener;
type IdentityListener = experimental.IdentityCertificateUpdateListener;

export interface CertificateFiles {
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  reloadMs: number;
}

export interface CertificateSet {
  cert?: Buffer;
  key?: Buffer;
  ca?: Buffer;
}

/** What the startup log and a reload's log line say of a certificate (never the key). */
export interface CertificateSummary {
  subject: string;
  serialNumber: string;
  validTo: string;
  fingerprint256: string;
}

export function summarizeCertificate(pem: Buffer): CertificateSummary | undefined {
  try {
    const c = new X509Certificate(pem);
    return { subject: c.subject.replace(/\n/g, ', '), serialNumber: c.serialNumber, validTo: c.validTo, fingerprint256: c.fingerprint256 };
  } catch {
    return undefined;
  }
}

function readAtStart(field: string, path: string): Buffer {
  let data: Buffer;
  try {
    data = readFileSync(path);
  } catch (err) {
    throw new ConfigError(field, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (data.toString('utf8').trim() === '') throw new ConfigError(field, `${path} is empty`);
  return data;
}

/** Why a set makes no TLS context, or undefined when it does. */
function invalidReason(set: CertificateSet): string | undefined {
  try {
    createSecureContext({ cert: set.cert, key: set.key, ca: set.ca });
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

const same = (a: Buffer | undefined, b: Buffer | undefined) => (a === undefined ? b === undefined : b !== undefined && a.equals(b));

/**
 * The latest good certificate set of some files, as a grpc-js CertificateProvider (for the gRPC
 * server and channel credentials) and through `onChange` (for an HTTPS server's setSecureContext).
 * `close()` stops the re-reads.
 */
export class CertificateWatcher implements CertificateProvider {
  private current: CertificateSet;
  private readonly files: experimental.FileWatcherCertificateProvider;
  private readonly caListeners = new Set<CaListener>();
  private readonly identityListeners = new Set<IdentityListener>();
  private readonly changeListeners = new Set<(set: CertificateSet) => void>();
  private pending: CertificateSet | undefined;
  private lastProblem: string | undefined;
  private closed = false;

  /** `field`: the config key of these files (e.g. `grpc.tls`), named in errors and logs. */
  constructor(
    private readonly field: string,
    private readonly paths: CertificateFiles,
    private readonly logger?: Pick<Logger, 'info' | 'warn'>,
  ) {
    const set: CertificateSet = {};
    if (paths.certFile) set.cert = readAtStart(`${field}.certFile`, paths.certFile);
    if (paths.keyFile) set.key = readAtStart(`${field}.keyFile`, paths.keyFile);
    if (paths.caFile) set.ca = readAtStart(`${field}.caFile`, paths.caFile);
    if (set.cert && !summarizeCertificate(set.cert)) throw new ConfigError(`${field}.certFile`, `${paths.certFile} holds no PEM certificate`);
    if (set.ca && !summarizeCertificate(set.ca)) throw new ConfigError(`${field}.caFile`, `${paths.caFile} holds no PEM certificate`);
    const reason = invalidReason(set);
    if (reason) throw new ConfigError(set.key ? `${field}.keyFile` : `${field}.caFile`, `does not make a TLS context with the other files: ${reason}`);
    this.current = set;
    this.files = new experimental.FileWatcherCertificateProvider({
      certificateFile: paths.certFile,
      privateKeyFile: paths.keyFile,
      caCertificateFile: paths.caFile,
      refreshIntervalMs: paths.reloadMs,
    });
    if (paths.certFile) this.files.addIdentityCertificateListener(this.onIdentity);
    if (paths.caFile) this.files.addCaCertificateListener(this.onCa);
  }

  /** The set in force. */
  certificates(): CertificateSet {
    return this.current;
  }

  /** Called with each new set that differs from the one before (not for the first). */
  onChange(listener: (set: CertificateSet) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.paths.certFile) this.files.removeIdentityCertificateListener(this.onIdentity);
    if (this.paths.caFile) this.files.removeCaCertificateListener(this.onCa);
    this.changeListeners.clear();
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    const ca = this.current.ca;
    process.nextTick(listener, ca ? { caCertificate: ca } : null);
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.add(listener);
    const { cert, key } = this.current;
    process.nextTick(listener, cert && key ? { certificate: cert, privateKey: key } : null);
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.identityListeners.delete(listener);
  }

  // The file provider reports one read as an identity update then a CA update, in the same turn:
  // both are gathered and judged together on the next tick.
  private readonly onIdentity: IdentityListener = (update) => {
    this.gather({ cert: update?.certificate, key: update?.privateKey, ca: this.pending?.ca ?? this.current.ca }, update === null ? 'certFile or keyFile' : undefined);
  };

  private readonly onCa: CaListener = (update) => {
    this.gather({ ...(this.pending ?? { cert: this.current.cert, key: this.current.key }), ca: update?.caCertificate }, update === null ? 'caFile' : undefined);
  };

  private unreadable: string | undefined;

  private gather(set: CertificateSet, unreadable: string | undefined): void {
    const first = this.pending === undefined;
    this.pending = set;
    if (unreadable) this.unreadable = this.unreadable ? `${this.unreadable}, ${unreadable}` : unreadable;
    if (first) process.nextTick(() => this.judge());
  }

  private judge(): void {
    const set = this.pending;
    const unreadable = this.unreadable;
    this.pending = undefined;
    this.unreadable = undefined;
    if (!set || this.closed) return;
    const problem = unreadable ? `cannot read ${unreadable}` : invalidReason(set);
    if (problem) {
      if (problem !== this.lastProblem) this.logger?.warn({ field: this.field, reason: problem }, 'TLS files not applied; the certificates in force stay');
      this.lastProblem = problem;
      return;
    }
    this.lastProblem = undefined;
    const before = this.current;
    if (same(before.cert, set.cert) && same(before.key, set.key) && same(before.ca, set.ca)) return;
    this.current = set;
    this.logger?.info({ field: this.field, certificate: set.cert ? summarizeCertificate(set.cert) : undefined, ca: set.ca ? summarizeCertificate(set.ca)?.subject : undefined }, 'TLS certificates reloaded');
    if (!same(before.cert, set.cert) || !same(before.key, set.key)) {
      for (const l of this.identityListeners) l(set.cert && set.key ? { certificate: set.cert, privateKey: set.key } : null);
    }
    if (!same(before.ca, set.ca)) for (const l of this.caListeners) l(set.ca ? { caCertificate: set.ca } : null);
    for (const l of this.changeListeners) l(set);
  }
}
