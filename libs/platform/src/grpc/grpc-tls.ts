// gRPC credentials from a service's `tls` config: plaintext, TLS, or mutual TLS, with certificates
// re-read from their files (a renewed certificate serves, or is presented on, new connections).
import { ChannelCredentials, credentials, experimental, ServerCredentials, type ChannelOptions } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { ClientTlsConfig, ServerTlsConfig } from '../config/transport-tls-schemas';
import { CertificateWatcher, summarizeCertificate } from '../tls/certificate-watcher';

export interface GrpcServerSecurity {
  credentials: ServerCredentials;
  /** Stops the re-reads; undefined in plaintext. */
  watcher?: CertificateWatcher;
  /** For the startup log: `plaintext`, `TLS`, `mutual TLS`, and the files. */
  description: Record<string, unknown>;
}

export interface GrpcChannelSecurity {
  credentials: ChannelCredentials;
  options: ChannelOptions;
  watcher?: CertificateWatcher;
  description: Record<string, unknown>;
}

/** `field`: where the config sits (e.g. `grpc.tls`), named in errors. Throws a ConfigError for a bad file. */
export function grpcServerSecurity(tls: ServerTlsConfig | undefined, field: string, logger?: Pick<Logger, 'info' | 'warn'>): GrpcServerSecurity {
  if (!tls?.enabled) return { credentials: ServerCredentials.createInsecure(), description: { transport: 'plaintext' } };
  const watcher = new CertificateWatcher(field, tls, logger);
  // grpc-js 1.14 names this function's parameters (ca, identity) but hands them on as (identity, ca):
  // the identity provider goes first. The TLS-without-client-certificates spec catches a change.
  const creds = experimental.createCertificateProviderServerCredentials(watcher, tls.caFile ? watcher : null, tls.requireClientCert);
  return { credentials: creds, watcher, description: describeServerTls(tls, watcher) };
}

export function describeServerTls(tls: ServerTlsConfig | undefined, watcher?: CertificateWatcher): Record<string, unknown> {
  if (!tls?.enabled) return { transport: 'plaintext' };
  const transport = tls.requireClientCert ? 'mutual TLS' : tls.caFile ? 'TLS, client certificates asked for but not required' : 'TLS';
  const cert = watcher?.certificates().cert;
  return { transport, certFile: tls.certFile, keyFile: tls.keyFile, caFile: tls.caFile, certificate: cert ? summarizeCertificate(cert) : undefined };
}

/** A channel's credentials and options; `field` as above (e.g. `scheduler.tls`). */
export function grpcChannelSecurity(tls: ClientTlsConfig | undefined, field: string, logger?: Pick<Logger, 'info' | 'warn'>): GrpcChannelSecurity {
  if (!tls?.enabled) return { credentials: credentials.createInsecure(), options: {}, description: { transport: 'plaintext' } };
  const watcher = new CertificateWatcher(field, tls, logger);
  const creds = experimental.createCertificateProviderChannelCredentials(watcher, tls.certFile ? watcher : null);
  const options: ChannelOptions = tls.serverName ? { 'grpc.ssl_target_name_override': tls.serverName, 'grpc.default_authority': tls.serverName } : {};
  return { credentials: creds, options, watcher, description: describeClientTls(tls) };
}

export function describeClientTls(tls: ClientTlsConfig | undefined): Record<string, unknown> {
  if (!tls?.enabled) return { transport: 'plaintext' };
  return { transport: tls.certFile ? 'mutual TLS' : 'TLS', caFile: tls.caFile, certFile: tls.certFile, keyFile: tls.keyFile, serverName: tls.serverName };
}
