// Generated from shared-types/src by scripts/syncReceiverContract.js in the Spir webhooks kit:
// edit it there, not here (CI fails when this copy differs from its source).
export * from './schemas';
export * from './contractDeviations';
export * from './lenientParse';
export * from './formAnswers';
export * from './samples';
export * from './signing';
export * from './service';
export * from './webhookUrlRules';
