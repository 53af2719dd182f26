export * from './config';
export * from './processor';
export * from './service';
