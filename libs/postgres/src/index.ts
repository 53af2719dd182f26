export { openPool, redact } from './pool';
export { migrate, readMigrations } from './migrations';
export type { Migration } from './migrations';
