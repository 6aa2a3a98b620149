import { postEvent, startDispatcherRig, type DispatcherRig } from '../testing/dispatcherRig';
import { waitFor } from '../testing/waitFor';

let rig: DispatcherRig;

beforeAll(async () => {
  rig = await startDispatcherRig({ LOG_LEVEL: 'info' });
});

afterAll(() => rig.close());

// Before, lines waited in a 4 KiB buffer: a quiet dispatcher showed nothing until it exited.
describe('the log on stdout', () => {
  it('shows the WEBHOOK_RESOLVE warning and each attempt while the dispatcher runs, not at exit', async () => {
    await waitFor('the WEBHOOK_RESOLVE warning', () =>
      rig.dispatcher.output().includes('WEBHOOK_RESOLVE is set') ? true : undefined,
    );
    const apiKey = await rig.addTeam();
    expect(await postEvent(rig.dispatcher.url, rig.ingestBody('evt-logged-live'))).toBe(202);
    const line = await waitFor('the attempt line on stdout', () =>
      rig.dispatcher
        .output()
        .split('\n')
        .find((text) => text.includes('evt-logged-live')),
    );
    expect(JSON.parse(line)).toMatchObject({ webhookEventId: 'evt-logged-live', next: 'succeeded' });
    expect(rig.dispatcher.child.exitCode).toBeNull();
    expect(apiKey).toMatch(/^spk_/);
  });
});
