// Real servers for whole-path tests, shared with the other packages' tests.
export { startTestDispatcher, type TestDispatcher } from './testDispatcher';
export { startHttpsReceiver, type HttpsReceiver, type ReceivedRequest, type ReceiverAnswer } from './httpsReceiver';
export { startSmtpServer, type TestSmtpServer } from './smtpServer';
export { spawnDispatcher, type DispatcherProcess } from './dispatcherProcess';
export { freePort } from './freePort';
export { waitFor } from './waitFor';
export { postgresAvailable, startTestPostgres, type TestPostgres } from './postgresServer';
