// Builders and fakes for tests of the scheduling framework and its plugins.
export * from './endpoint.builder';
export * from './scorer-contract';
export * from './linear-cost-model';
export * from './policy-cases';
