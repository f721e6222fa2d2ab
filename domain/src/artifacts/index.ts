export * from './factory.js';
export * from './local-store.js';
export * from './run-artifacts.js';
export * from './s3-store.js';
export * from './store.js';
export * from './content-types.js';
