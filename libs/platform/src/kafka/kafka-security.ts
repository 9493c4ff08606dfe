// The security of a Kafka client (TLS, SASL) from a service's `kafka` config: kafkajs's `ssl` and
// `sasl` options, and a one-line description for the startup log that never holds the password.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { ConfigError } from '../config/config-error';
import type { KafkaSaslConfig, KafkaTlsConfig } from '../config/common-schemas';

export interface KafkaSecurityConfig {
  tls?: KafkaTlsConfig;
  sasl?: KafkaSaslConfig;
}

export interface KafkaSecurityOptions {
  ssl?: ConnectionOptions;
  sasl?: SASLOptions;
}

/** Reads a file's text; injected so the mapping is testable without a filesystem. */
export type ReadFile = (path: string) => string;

const readUtf8: ReadFile = (path) => readFileSync(path, 'utf8');

function read(readFile: ReadFile, field: string, path: string): string {
  let text: string;
  try {
    text = readFile(path);
  } catch (err) {
    throw new ConfigError(field, `cannot read ${path}: ${(err as Error).message}`);
  }
  if (text.trim() === '') throw new ConfigError(field, `${path} is empty`);
  return text;
}

/**
 * kafkajs's `ssl` and `sasl` from the config, reading the files it names. Throws a ConfigError
 * naming the field (`kafka.tls.caFile`, `kafka.sasl.passwordFile`, ...) when one cannot be read.
 */
export function kafkaSecurityOptions(config: KafkaSecurityConfig, readFile: ReadFile = readUtf8): KafkaSecurityOptions {
  const out: KafkaSecurityOptions = {};
  const tls = config.tls;
  if (tls?.enabled) {
    const ssl: ConnectionOptions = { rejectUnauthorized: tls.rejectUnauthorized };
    if (tls.caFile) ssl.ca = [read(readFile, 'kafka.tls.caFile', tls.caFile)];
    if (tls.certFile) ssl.cert = read(readFile, 'kafka.tls.certFile', tls.certFile);
    if (tls.keyFile) ssl.key = read(readFile, 'kafka.tls.keyFile', tls.keyFile);
    if (tls.serverName) ssl.servername = tls.serverName;
    out.ssl = ssl;
  }
  const sasl = config.sasl;
  if (sasl) {
    // Secrets written by hand often end in a newline that is no part of the password.
    const password = sasl.passwordFile ? read(readFile, 'kafka.sasl.passwordFile', sasl.passwordFile).replace(/\r?\n$/, '') : sasl.password;
    if (!password) throw new ConfigError('kafka.sasl.passwordFile', 'is required (or env LLMD_KAFKA_SASL_PASSWORD)');
    out.sasl = { mechanism: sasl.mechanism, username: sasl.username, password } as SASLOptions;
  }
  return out;
}

/** E.g. `plaintext`, `TLS`, `mutual TLS`, `SASL scram-sha-512 over TLS`, `SASL plain over plaintext`. */
export function describeKafkaSecurity(config: KafkaSecurityConfig): string {
  const tls = config.tls?.enabled ? (config.tls.certFile ? 'mutual TLS' : 'TLS') : 'plaintext';
  return config.sasl ? `SASL ${config.sasl.mechanism} over ${tls}` : tls;
}

/** What is worth a warning at start: a password sent in clear, certificates not checked. */
export function kafkaSecurityWarnings(config: KafkaSecurityConfig): string[] {
  const out: string[] = [];
  if (config.sasl?.mechanism === 'plain' && !config.tls?.enabled) out.push('SASL plain without TLS sends the password in clear: enable kafka.tls');
  if (config.tls?.enabled && !config.tls.rejectUnauthorized) out.push("kafka.tls.rejectUnauthorized is false: the brokers' certificates are not checked");
  return out;
}
