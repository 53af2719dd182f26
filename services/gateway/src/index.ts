export * from './config';
export * from './app';
export * from './gateway';
export * from './ingest';
export * from './directory';
export * from './acls';
