// Public API of the pure clearance domain (see libs/domain/README.md).
export * from './common/decimal';
export * from './common/time';
export * from './common/ids';
export * from './common/reasons';
export * from './common/receipts';
