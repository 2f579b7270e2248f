export * from './clock';
export * from './event-budget';
export * from './hash-gate';
export * from './test-file';
export * from './test-swarm';

/** The engine's seedable generator, for tests of any package that need reproducible random inputs. */
export { seededRandom, type Random } from '@swarmlab/engine';
export * from './largest-request';
export * from './poll-until';
