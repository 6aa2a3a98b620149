import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { Webhook } from 'standardwebhooks';
import { cloneSample, generateWebhookSecret } from './contract';
import { handlers, knownRenamings } from './handlers';
import { MemoryIdempotencyStore } from './idempotency';
import { createReceiverApp } from './receiverApp';

// The template's own handlers, as shipped, behind a real server: a cancel whose reason comes
// under another name is refused by default, and handled once by onEventCanceled when the
// renaming is listed in knownRenamings (the example in src/handlers.ts).

const secret = generateWebhookSecret();
const logLines: Record<string, unknown>[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  const app = createReceiverApp({
    secrets: [secret],
    path: '/webhooks/spir',
    handlers,
    idempotency: new MemoryIdempotencyStore(),
    log: (fields) => logLines.push(fields),
  });
  server = createAdaptorServer({ fetch: app.fetch }) as Server;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/spir`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

afterEach(() => {
  delete knownRenamings['payload.cancelReason'];
  jest.restoreAllMocks();
  logLines.length = 0;
});

/** A cancel whose reason comes as `reason`, signed anew for each attempt as Spir does. */
async function postRenamedCancel(id: string) {
  const { cancelReason, ...rest } = cloneSample('event.canceled').payload;
  const body = JSON.stringify({
    webhookEventName: 'event.canceled',
    webhookEventId: id,
    payload: { ...rest, reason: cancelReason },
  });
  const at = new Date();
  const response = await fetch(url, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(id, at, body),
    },
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown>, cancelReason };
}

describe('a known event whose fields deviate from the typed contract', () => {
  it('is refused by default with a 503 naming the deviation in words, and its typed handler never runs', async () => {
    const onEventCanceled = jest.spyOn(handlers, 'onEventCanceled');
    const first = await postRenamedCancel('evt-deviating-default');
    expect(first.status).toBe(503);
    expect(first.body).toEqual({
      error: {
        code: 'deviating_event',
        message: expect.stringContaining(
          'payload.cancelReason: required field missing (expected string). onDeviatingEvent did not accept it',
        ) as string,
        details: {
          deviations: [{ path: 'payload.cancelReason', problem: 'required field missing (expected string)' }],
        },
      },
    });
    // Not remembered: Spir's retry is refused again, until the receiver is updated.
    expect((await postRenamedCancel('evt-deviating-default')).status).toBe(503);
    expect(onEventCanceled).not.toHaveBeenCalled();
    expect(logLines).toContainEqual(
      expect.objectContaining({
        msg: 'refused: deviates from the typed contract',
        webhookEventId: 'evt-deviating-default',
      }),
    );
  });

  it('is answered 200 and handed to onEventCanceled exactly once when knownRenamings lists the renaming', async () => {
    const refused = await postRenamedCancel('evt-deviating-renamed');
    expect(refused.status).toBe(503);
    knownRenamings['payload.cancelReason'] = 'payload.reason';
    const onEventCanceled = jest.spyOn(handlers, 'onEventCanceled');
    const retried = await postRenamedCancel('evt-deviating-renamed');
    expect(retried).toMatchObject({ status: 200, body: { received: true } });
    expect((await postRenamedCancel('evt-deviating-renamed')).body).toEqual({ duplicate: true });
    expect(onEventCanceled).toHaveBeenCalledTimes(1);
    const [event] = onEventCanceled.mock.calls[0]!;
    expect(event.payload.cancelReason).toBe(retried.cancelReason);
    expect(event.payload).not.toHaveProperty('reason');
    expect(logLines).toContainEqual(
      expect.objectContaining({ msg: 'handled', by: 'typed handler, corrected by onDeviatingEvent' }),
    );
    expect(logLines).toContainEqual(
      expect.objectContaining({ msg: 'skipped: already handled', webhookEventId: 'evt-deviating-renamed' }),
    );
  });

  it('is still refused, naming what is left, when the corrected payload deviates otherwise', async () => {
    knownRenamings['payload.cancelReason'] = 'payload.reason';
    jest.spyOn(handlers, 'onDeviatingEvent').mockImplementation(async (event) => ({
      correctedPayload: { ...event.payload, cancelReason: 'x', canceledAt: 'yesterday' },
    }));
    const answer = await postRenamedCancel('evt-deviating-still');
    expect(answer.status).toBe(503);
    expect(JSON.stringify(answer.body)).toContain('payload.canceledAt');
    expect(JSON.stringify(answer.body)).toContain('still deviates');
  });

  it('is answered 200 without a typed handler when onDeviatingEvent acknowledges it', async () => {
    const onEventCanceled = jest.spyOn(handlers, 'onEventCanceled');
    jest.spyOn(handlers, 'onDeviatingEvent').mockResolvedValue({ acknowledged: true });
    expect((await postRenamedCancel('evt-deviating-ack')).status).toBe(200);
    expect(onEventCanceled).not.toHaveBeenCalled();
  });
});
