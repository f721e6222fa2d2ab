export * from './ingest.js';
export * from './parse.js';
export * from './results.js';
export * from './stable-id.js';
