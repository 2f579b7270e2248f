export * from './clock';
export * from './hash-gate';
export * from './test-file';
export * from './test-swarm';
