export { createScheduleActivities, type ScheduleActivityDeps } from './trigger.js';
