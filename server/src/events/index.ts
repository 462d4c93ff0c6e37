export * from './pg-notify.js';
export * from './topics.js';
export * from './bus.js';
