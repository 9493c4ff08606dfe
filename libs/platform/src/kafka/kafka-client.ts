// The kafkajs client for a service, logging through pino, with the TLS and SASL its config asks for.
import { Kafka, logLevel, LogEntry } from 'kafkajs';
import type { Logger } from 'pino';
import { describeKafkaSecurity, kafkaSecurityOptions, kafkaSecurityWarnings, type KafkaSecurityConfig } from './kafka-security';

export interface KafkaClientOptions extends KafkaSecurityConfig {
  clientId: string;
  brokers: string[];
  logger: Logger;
}

/** Throws a ConfigError naming the field when a TLS or SASL file cannot be read. */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  const security = kafkaSecurityOptions(options);
  options.logger.info({ brokers: options.brokers, security: describeKafkaSecurity(options), ...(options.sasl ? { user: options.sasl.username } : {}) }, 'kafka client');
  for (const warning of kafkaSecurityWarnings(options)) options.logger.warn(warning);
  const log = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    ...security,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...rest } = entry.log;
      // kafkajs reports retried protocol errors at ERROR; they are warnings for us (real failures surface as thrown errors).
      const fn = entry.level <= logLevel.WARN ? log.warn.bind(log) : log.debug.bind(log);
      fn({ namespace: entry.namespace, ...rest }, message);
    },
  });
}
