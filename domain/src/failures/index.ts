export * from './fingerprint.js';
export * from './traceback.js';
