export * from './generated/types';
export * from './topics';
export * from './keys';
export * from './codec';
export { loadSchemas, schemas, schemaByName, SCHEMA_DIR } from './schemas';
export type { LoadedSchema } from './schemas';
export { installFastAvroStrings, avscWriteString, writeStringFast, avscReadString, readStringInterned } from './avro-strings';
export { compileWriter, InvalidAvroValue } from './avro-compiled';
export type { CompiledWriter } from './avro-compiled';

import { installFastAvroStrings } from './avro-strings';
installFastAvroStrings();
export * from './kafka-connection';
export * from './participants';
