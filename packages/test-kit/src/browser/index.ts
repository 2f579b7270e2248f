export * from './chromium';
export * from './swarm-page';
