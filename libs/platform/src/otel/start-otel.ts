// Starts the OpenTelemetry Node SDK. Exporters, sampling and resource come from the standard OTEL_*
// variables (OTEL_TRACES_EXPORTER, OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SDK_DISABLED, ...).
import { NodeSDK } from '@opentelemetry/sdk-node';

export interface OtelHandle {
  shutdown(): Promise<void>;
}

export function startOtel(serviceName: string): OtelHandle {
  if (process.env.OTEL_SDK_DISABLED === 'true') return { shutdown: async () => undefined };
  const sdk = new NodeSDK({ serviceName: process.env.OTEL_SERVICE_NAME ?? serviceName });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
