export * from './in-flight.policy';
export * from './in-flight-ledger';
