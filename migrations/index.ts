// Every migration, oldest first; TypeORM runs the ones not yet recorded.
export { Init1764316800000 } from './0001-init.js';
