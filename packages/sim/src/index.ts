export * from './event-queue';
export * from './scenario';
export * from './scenario-error';
export * from './simulate';
export * from './virtual-clock';
export * from './virtual-link';
