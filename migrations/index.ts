// Every migration, oldest first; TypeORM runs the ones not yet recorded.
export { Init1764316800000 } from './0001-init.js';
export { UserData1764403200000 } from './0002-user-data.js';
export { Training1764489600000 } from './0003-training.js';
export { RateLimits1764576000000 } from './0004-rate-limits.js';
export { ConfidenceInLabelledIndexes1764662400000 } from './0005-confidence-in-labelled-indexes.js';
