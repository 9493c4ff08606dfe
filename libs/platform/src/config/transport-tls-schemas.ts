// TLS of llmd's own listeners and channels (gRPC servers and clients, the gateway's HTTP port), from
// mounted certificate files in cert-manager's Secret layout (tls.crt, tls.key, ca.crt).
import { z } from 'zod';
import { booleanish } from './common-schemas';

const filePath = z.string().trim().min(1, 'must be a file path');

/** @default 10000 */
const reloadMs = z.coerce.number().int().min(100).default(10000);

/** Files given with TLS off would silently serve or connect in plaintext: refuse instead. */
function refuseFilesWhenOff(t: { enabled: boolean } & Record<string, unknown>, keys: readonly string[], ctx: z.RefinementCtx): void {
  const set = keys.filter((k) => t[k] !== undefined && t[k] !== false);
  if (!t.enabled && set.length > 0) ctx.addIssue({ code: 'custom', path: ['enabled'], message: `is false but ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set: set enabled: true (or remove them)` });
}

function certAndKeyTogether(t: { certFile?: string; keyFile?: string }, ctx: z.RefinementCtx): void {
  if ((t.certFile === undefined) !== (t.keyFile === undefined)) {
    const missing = t.certFile === undefined ? 'certFile' : 'keyFile';
    ctx.addIssue({ code: 'custom', path: [missing], message: 'certFile and keyFile go together' });
  }
}

/**
 * A TLS listener (a gRPC server's `grpc.tls`, the gateway's `http.tls`). The files are re-read every
 * `reloadMs`: a renewed certificate serves new connections without a restart.
 */
export const serverTlsSchema = z
  .object({
    /** @default false */
    enabled: booleanish.default(false),
    /** PEM certificate chain the server presents (cert-manager: `tls.crt`). */
    certFile: filePath.optional(),
    /** PEM private key of certFile (cert-manager: `tls.key`). */
    keyFile: filePath.optional(),
    /** PEM CA bundle client certificates are checked against (cert-manager: `ca.crt`); absent: no client certificate is asked for. */
    caFile: filePath.optional(),
    /** Refuse clients without a certificate signed by caFile (mutual TLS); false only asks for one (a roll-out step). @default false */
    requireClientCert: booleanish.default(false),
    /** How often the files are re-read. @default 10000 */
    reloadMs,
  })
  .superRefine((t, ctx) => {
    refuseFilesWhenOff(t, ['certFile', 'keyFile', 'caFile', 'requireClientCert'], ctx);
    if (!t.enabled) return;
    certAndKeyTogether(t, ctx);
    if (t.certFile === undefined && t.keyFile === undefined) ctx.addIssue({ code: 'custom', path: ['certFile'], message: 'is required when enabled (with keyFile)' });
    if (t.requireClientCert && t.caFile === undefined) ctx.addIssue({ code: 'custom', path: ['caFile'], message: 'is required when requireClientCert is true (the CA client certificates are checked against)' });
  });

/**
 * TLS of a gRPC channel to another llmd service (the gateway's `scheduler.tls`, the scheduler's
 * `cacheManager.tls`). The files are re-read every `reloadMs`; new connections use the latest.
 */
export const clientTlsSchema = z
  .object({
    /** @default false */
    enabled: booleanish.default(false),
    /** PEM CA bundle the server's certificate is checked against (cert-manager: `ca.crt`). */
    caFile: filePath.optional(),
    /** PEM client certificate, for a server that asks for one (mutual TLS); needs keyFile. */
    certFile: filePath.optional(),
    /** PEM private key of certFile. */
    keyFile: filePath.optional(),
    /** Name the server's certificate is checked for, when it is not the address's host. */
    serverName: z.string().min(1).optional(),
    /** How often the files are re-read. @default 10000 */
    reloadMs,
  })
  .superRefine((t, ctx) => {
    refuseFilesWhenOff(t, ['caFile', 'certFile', 'keyFile', 'serverName'], ctx);
    if (!t.enabled) return;
    certAndKeyTogether(t, ctx);
    if (t.caFile === undefined) ctx.addIssue({ code: 'custom', path: ['caFile'], message: "is required when enabled (the CA the server's certificate is checked against)" });
  });

export type ServerTlsConfig = z.infer<typeof serverTlsSchema>;
export type ClientTlsConfig = z.infer<typeof clientTlsSchema>;

/** Env vars of a listener's TLS: `<prefix>_TLS_ENABLED` ... -> `<path>.enabled` ... */
export function serverTlsEnv(prefix: string, path: string): Record<string, string> {
  return {
    [`${prefix}_TLS_ENABLED`]: `${path}.enabled`,
    [`${prefix}_TLS_CERT_FILE`]: `${path}.certFile`,
    [`${prefix}_TLS_KEY_FILE`]: `${path}.keyFile`,
    [`${prefix}_TLS_CA_FILE`]: `${path}.caFile`,
    [`${prefix}_TLS_REQUIRE_CLIENT_CERT`]: `${path}.requireClientCert`,
    [`${prefix}_TLS_RELOAD_MS`]: `${path}.reloadMs`,
  };
}

/** Env vars of a channel's TLS: `<prefix>_TLS_ENABLED` ... -> `<path>.enabled` ... */
export function clientTlsEnv(prefix: string, path: string): Record<string, string> {
  return {
    [`${prefix}_TLS_ENABLED`]: `${path}.enabled`,
    [`${prefix}_TLS_CA_FILE`]: `${path}.caFile`,
    [`${prefix}_TLS_CERT_FILE`]: `${path}.certFile`,
    [`${prefix}_TLS_KEY_FILE`]: `${path}.keyFile`,
    [`${prefix}_TLS_SERVER_NAME`]: `${path}.serverName`,
    [`${prefix}_TLS_RELOAD_MS`]: `${path}.reloadMs`,
  };
}
