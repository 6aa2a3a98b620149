// One attempt as the benches send it (`@spir-webhooks/dispatcher/delivery`): the service itself
// imports the files under this folder.
export { createDeliveryAgent } from './send/deliveryAgent';
export { sendAttempt } from './send/sendAttempt';
