// Public API of the pure clearance domain (see libs/domain/README.md).
export * from './common/decimal';
export * from './common/time';
export * from './common/ids';
export * from './common/reasons';
export * from './common/receipts';
export * from './matching/validate';
export * from './matching/checks';
export * from './matching/manifest';
export * from './matching/decider';
export * from './testing/samples';
export * from './risk/refs';
export * from './risk/rules';
export * from './risk/screen';
export * from './risk/default-rule-set';
export * from './departure/split';
export * from './lifecycle/decider';
