export { fieldSchemaFor, type FieldType } from './schema.js';
export { parseRawJson, type RawNode } from './rawJson.js';
export { yamlDuplicateKeys } from './yamlDuplicates.js';
export { duplicateFields, pruneUnknownFields, shapeMismatch, strictErrorsInOrder, undeclaredApplyFields, unknownFields } from './strictDecoding.js';
