export * from './chromium';
export * from './swarm-page';
export * from './background-window';
export * from './swarm-tab';
