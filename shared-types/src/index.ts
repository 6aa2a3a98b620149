export * from './schemas';
export * from './lenientParse';
export * from './samples';
export * from './signing';
export { buildJsonSchemaFiles } from './jsonSchema';
export * from './webhookUrlRules';
export * from './formAnswers';
export * from './service';
export * from './availabilityLinks';
