// Fakes for tests of code built on the kit.
export * from './fake-clock';
export * from './fake-source';
