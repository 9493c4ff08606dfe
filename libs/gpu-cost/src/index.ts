// Measured GPU step costs (pure): the tables in ../profiles and their interpolation. Shared by the
// simulated engine (libs/sim-engine) and by the scheduler's latency prediction, which must not ship
// the simulator itself.
export * from './cost-model';
