// The store as the benches drive it (`@spir-webhooks/dispatcher/store`): the service itself imports
// the files beside this one.
export { openStore } from './openStore';
export { SqliteStore } from './sqlite/sqliteStore';
export type { Store } from './store';
export type { AttemptResult, ClaimedDelivery, ClaimOptions } from './storeQueueTypes';
export type { NextStep } from './storeTypes';
export { inviteeEmailOfBody } from './searchKeys';
export { healthBackfillSql } from './webhookHealthSql';
