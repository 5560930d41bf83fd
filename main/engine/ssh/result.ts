// Moved to ../util/result.ts (it serves every part of the engine); kept so ssh/'s own
// imports need not change.
export * from '../util/result';
