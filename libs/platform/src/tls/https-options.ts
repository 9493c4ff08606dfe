// An HTTPS listener's options from a `tls` config (the gateway's `http.tls`), and the hook that gives the
// running server each renewed certificate (Node's setSecureContext: new connections get it).
import type { Server as TlsServer, SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { ServerTlsConfig } from '../config/transport-tls-schemas';
import { CertificateWatcher, type CertificateSet } from './certificate-watcher';

export interface HttpsSecurity {
  /** node:https server options (Fastify's `https`). */
  options: SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean };
  watcher: CertificateWatcher;
  /** Applies renewed certificates to the listening server; returns a function that stops (and closes the watcher). */
  attach(server: Pick<TlsServer, 'setSecureContext'>): () => void;
}

function contextOf(set: CertificateSet): SecureContextOptions {
  return { cert: set.cert, key: set.key, ...(set.ca ? { ca: set.ca } : {}) };
}

/** undefined in plaintext; throws a ConfigError naming the field for a bad file. */
export function httpsSecurity(tls: ServerTlsConfig | undefined, field: string, logger?: Pick<Logger, 'info' | 'warn'>): HttpsSecurity | undefined {
  if (!tls?.enabled) return undefined;
  const watcher = new CertificateWatcher(field, tls, logger);
  return {
    // Without a CA no client certificate is asked for; with one it is checked when sent, and required with requireClientCert.
    options: { ...contextOf(watcher.certificates()), requestCert: tls.caFile !== undefined, rejectUnauthorized: tls.requireClientCert },
    watcher,
    attach(server) {
      const off = watcher.onChange((set) => server.setSecureContext(contextOf(set)));
      return () => {
        off();
        watcher.close();
      };
    },
  };
}
