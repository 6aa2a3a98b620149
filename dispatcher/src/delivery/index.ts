// One attempt as the benches send it (`@spir-webhooks/dispatcher/delivery`): the service itself
// imports the files beside this one.
export { createDeliveryAgent } from './deliveryAgent';
export { sendAttempt } from './sendAttempt';
