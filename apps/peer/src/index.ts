export * from './headless-peer';
export * from './headless-peer-error';
export type * from './headless-peer-event';
export * from './swarm-target';
export * from './headless-crowd';
export type * from './crowd-message';
