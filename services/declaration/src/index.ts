export * from './processors';
export * from './service';
