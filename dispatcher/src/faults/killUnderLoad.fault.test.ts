import { waitFor } from '../testing/waitFor';
import { postEvent, startDispatcherRig, type DispatcherRig } from '../testing/dispatcherRig';

const eventCount = 5_000;
const kills = 5;
let rig: DispatcherRig;

beforeAll(async () => {
  rig = await startDispatcherRig();
  await rig.addTeam();
});

afterAll(() => rig.close());

it('delivers every acknowledged event at least once across five SIGKILLs during a 5,000-event load', async () => {
  const acknowledged = new Set<string>();
  let next = 0;
  let refused = 0;
  // Spir's core retries an event until it gets its 202, as any producer must.
  const producer = async () => {
    for (;;) {
      const index = next++;
      if (index >= eventCount) return;
      const id = `load-${index}`;
      for (;;) {
        const status = await postEvent(rig.dispatcher.internalUrl, rig.ingestBody(id));
        if (status === 202) break;
        if (status !== undefined && status !== 503) throw new Error(`ingest answered ${status}`);
        refused++;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      acknowledged.add(id);
    }
  };
  const load = Promise.all(Array.from({ length: 16 }, producer));

  const killedAt: number[] = [];
  for (let k = 0; k < kills; k++) {
    await new Promise((resolve) => setTimeout(resolve, 200 + Math.random() * 800));
    killedAt.push(acknowledged.size);
    await rig.dispatcher.kill();
    await rig.start();
  }
  await load;
  const seen = await waitFor(
    'every acknowledged event at the receiver',
    () => {
      const ids = new Set(rig.receiver.received.map((r) => String(r.headers['webhook-id'])));
      return [...acknowledged].every((id) => ids.has(id)) ? ids : undefined;
    },
    120_000,
  );

  for (const request of rig.receiver.received) {
    expect(JSON.parse(request.body).webhookEventId).toBe(request.headers['webhook-id']);
  }
  expect(acknowledged.size).toBe(eventCount);
  expect(seen.size).toBe(eventCount);
  const duplicates = rig.receiver.received.length - seen.size;
  console.log(
    `kill under load: ${kills} SIGKILLs (after ${killedAt.join(', ')} acknowledged events); ${acknowledged.size} events acknowledged, ` +
      `${seen.size} delivered, ${duplicates} delivered twice with the same webhook-id; ${refused} ingest calls refused or unanswered while down`,
  );
});
