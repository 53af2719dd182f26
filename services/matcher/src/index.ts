export * from './config';
export * from './deadlines';
export * from './processor';
export * from './service';
