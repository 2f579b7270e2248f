export * from './browser-clock';
export * from './default-peer-factory';
export * from './signalling-client';
export * from './simple-peer-link';
export * from './swarm-connector';
export * from './run-links';
export * from './swarm-rejoin';
