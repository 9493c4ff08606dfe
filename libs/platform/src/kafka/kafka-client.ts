// The kafkajs client for a service, logging through pino.
import { Kafka, logLevel, LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaClientOptions {
  clientId: string;
  brokers: string[];
  logger: Logger;
}

export function createKafkaClient(options: KafkaClientOptions): Kafka {
  const log = options.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
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
