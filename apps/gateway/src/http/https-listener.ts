// The API port's transport: plaintext HTTP, or HTTPS (optionally requiring client certificates) whose
// certificates are re-read from their files and applied to new connections without a restart.
import type { Server as TlsServer } from 'node:tls';
import { describeServerTls, httpsSecurity, type CertificateWatcher, type HttpsSecurity, type ServerTlsConfig } from '@llmd/platform';
import type { Logger } from 'pino';

export interface ApiListener {
  /** Fastify's `https` option; absent: plaintext. */
  https?: HttpsSecurity['options'];
  /** Gives the listening server renewed certificates; the returned function stops that. */
  attach(server: unknown): () => void;
  /** The certificate files' watcher; absent in plaintext. */
  watcher?: CertificateWatcher;
  /** For the startup log. */
  description: Record<string, unknown>;
}

/** Throws a ConfigError naming the field (`http.tls.certFile`, ...) for a file that cannot be used. */
export function apiListener(tls: ServerTlsConfig | undefined, logger?: Pick<Logger, 'info' | 'warn'>): ApiListener {
  const security = httpsSecurity(tls, 'http.tls', logger);
  if (!security) return { attach: () => () => undefined, description: describeServerTls(undefined) };
  return {
    https: security.options,
    watcher: security.watcher,
    attach: (server) => security.attach(server as TlsServer),
    description: describeServerTls(tls, security.watcher),
  };
}
