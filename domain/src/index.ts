export * from './auth/passwords.js';
export * from './auth/roles.js';
export * from './auth/tokens.js';
export * from './config.js';
export * from './entities/index.js';
export * from './runs/status.js';
export * from './runs/task-queues.js';
export * from './seed.js';
