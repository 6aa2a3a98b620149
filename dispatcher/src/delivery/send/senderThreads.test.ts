import { Webhook } from 'standardwebhooks';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { startHttpsReceiver, type HttpsReceiver } from '../../testing/httpsReceiver';
import { waitFor } from '../../testing/waitFor';
import { createAttemptSender } from './attemptSender';
import type { AttemptSender } from './attemptSenderTypes';
import type { Worker } from 'node:worker_threads';

// Attempts sent from worker threads over real HTTPS on loopback, with a throwaway CA.

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYqrTwjUPD8=';
let receiver: HttpsReceiver;
let caCert: string;
const senders: AttemptSender[] = [];

beforeAll(async () => {
  const ca = await createThrowawayCa();
  caCert = ca.caCert;
  receiver = await startHttpsReceiver(ca, ['hooks.example.com']);
});
afterAll(async () => {
  for (const sender of senders) await sender.close();
  await receiver.close();
});

const start = (options: { threads: number; lookup?: () => Promise<{ address: string; family: number }[]> }) => {
  const blocked: string[] = [];
  const failures: string[] = [];
  const sender = createAttemptSender({
    pinnedHosts: options.lookup === undefined ? new Map([['hooks.example.com', '127.0.0.1']]) : new Map(),
    connectTimeoutMs: 5_000,
    timeoutMs: 5_000,
    ca: [caCert],
    onBlocked: (hostname, address) => blocked.push(`${hostname} ${address}`),
    onThreadFailure: (reason) => failures.push(reason),
    ...options,
  });
  senders.push(sender);
  return { sender, blocked, failures };
};
const attempt = (id: string) => ({
  url: `https://hooks.example.com:${receiver.port}/hook`,
  webhookEventId: id,
  body: JSON.stringify({ webhookEventId: id }),
  secrets: [secret],
});

it('sends signed attempts from two threads at once, each signed at the time the main thread gave', async () => {
  const { sender } = start({ threads: 2 });
  let release!: () => void;
  const held = new Promise((resolve) => (release = () => resolve(undefined)));
  receiver.answer = () => ({ status: 200, body: 'ok', heldUntil: held });
  const startedAt = Date.now();
  const outcomes = Array.from({ length: 20 }, (_, i) => sender.send(attempt(`evt_${i}`), startedAt));
  // All 20 are open at the receiver before any is answered: they are in flight together.
  await receiver.waitForRequests(20);
  release();
  for (const outcome of await Promise.all(outcomes)) {
    expect(outcome).toMatchObject({ succeeded: true, startedAt, response: { status: 200, body: 'ok' } });
  }
  const request = receiver.received.find((r) => r.headers['webhook-id'] === 'evt_7')!;
  expect(request.headers['webhook-timestamp']).toBe(String(Math.floor(startedAt / 1000)));
  expect(() => new Webhook(secret).verify(request.body, request.headers as Record<string, string>)).not.toThrow();
  receiver.answer = () => ({ status: 200, body: 'ok' });
});

it('resolves host names with the main thread’s lookup, and reports refused addresses there', async () => {
  const { sender, blocked } = start({ threads: 1, lookup: async () => [{ address: '10.1.2.3', family: 4 }] });
  const outcome = await sender.send(attempt('evt_internal'), Date.now());
  expect(outcome.error).toMatchObject({ code: 'blocked_address' });
  expect(outcome.error!.message).not.toContain('10.1.2.3');
  expect(blocked).toEqual(['hooks.example.com resolves to non-public 10.1.2.3']);
});

it('fails the attempts of a thread that dies, replaces the thread, and sends again', async () => {
  const { sender, failures } = start({ threads: 1 });
  receiver.answer = () => 'hang';
  const before = receiver.received.length;
  const pending = sender.send(attempt('evt_lost'), Date.now());
  await receiver.waitForRequests(before + 1);
  // A thread dies as an uncaught error would end it.
  await (sender as unknown as { threads: { worker: Worker }[] }).threads[0]!.worker.terminate();
  expect(await pending).toMatchObject({ succeeded: false, error: { code: 'dispatcher_error' } });
  expect(failures).toHaveLength(1);
  receiver.answer = () => ({ status: 200, body: 'ok' });
  expect(await sender.send(attempt('evt_after'), Date.now())).toMatchObject({ succeeded: true });
  // The dead thread's connection went with it.
  await waitFor('the hung request to close', async () => (receiver.openRequests.get('/hook') === 0 ? true : undefined));
});
