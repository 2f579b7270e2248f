export * from './bitfield';
export * from './constants';
export * from './hex';
export * from './manifest';
export * from './run';
export * from './sha256';
export * from './signalling';
export * from './wire-codec';
export type * from './wire-message';
