import { cloneSample } from '@spir-webhooks/shared-types';
import { startDispatcherRig, type DispatcherRig } from '../../testing/dispatcherRig';
import { waitFor } from '../../testing/waitFor';

const eventCount = 300;
let rig: DispatcherRig;

beforeAll(async () => {
  rig = await startDispatcherRig({
    REQUEST_TIMEOUT_SECONDS: '1',
    RETRY_INTERVAL_SECONDS: '0.2',
    DELIVERY_CONCURRENCY_PER_WEBHOOK: '4',
  });
  rig.receiver.answer = () => ({ status: 200, delayMs: 100 });
});

afterAll(() => rig.close());

it('delivers every event after the dispatcher is killed with SIGKILL in the middle of a batch', async () => {
  await rig.addTeam();
  const { receiver } = rig;

  const ids = Array.from({ length: eventCount }, (_, i) => `crash-${i}`);
  const answers = await Promise.all(
    ids.map((id) =>
      rig.dispatcher.call('POST', '/internal/v1/events', {
        teamId: 't1',
        urlKind: 'template',
        event: { ...cloneSample('form.answered'), webhookEventId: id },
      }),
    ),
  );
  expect(answers.map((a) => a.webhookEventId)).toEqual(ids);
  // Killed while four requests are being answered (the receiver takes 100 ms each).
  await receiver.waitForRequests(receiver.received.length + 10);
  await rig.dispatcher.kill();
  const receivedBeforeKill = new Set(receiver.received.map((r) => r.headers['webhook-id'])).size;
  expect(receivedBeforeKill).toBeLessThan(eventCount);

  const restartedAt = Date.now();
  await rig.start();
  const delivered = await waitFor(
    'every event to arrive after the restart',
    () => {
      const seen = new Set(receiver.received.map((r) => String(r.headers['webhook-id'])));
      return seen.size === eventCount ? seen : undefined;
    },
    60_000,
  );
  expect([...delivered].sort()).toEqual([...ids].sort());
  // At least once: a request cut off by the kill may arrive twice, always with the same webhook-id and body.
  for (const request of receiver.received) {
    const id = String(request.headers['webhook-id']);
    expect(JSON.parse(request.body).webhookEventId).toBe(id);
  }
  console.log(
    `crash test: ${receivedBeforeKill} of ${eventCount} events received before SIGKILL; all ${eventCount} received ${Date.now() - restartedAt} ms after the restart; ${receiver.received.length - eventCount} sent twice (same webhook-id)`,
  );
}, 90_000);
