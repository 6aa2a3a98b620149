import { postEvent, startDispatcherRig, type DispatcherRig } from '../testing/dispatcherRig';
import { waitFor } from '../testing/waitFor';

let rig: DispatcherRig;

beforeAll(async () => {
  rig = await startDispatcherRig({ LOG_LEVEL: 'info' });
  // Events whose id ends in -refused are answered 500 (then retried, 0.2 s apart); the rest 200.
  rig.receiver.answer = (request) => ({ status: request.body.includes('-refused"') ? 500 : 200 });
});

afterAll(() => rig.close());

const attemptLine = (id: string) =>
  rig.dispatcher
    .output()
    .split('\n')
    .find((text) => text.includes(`"webhookEventId":"${id}"`));

// Before, lines waited in a 4 KiB buffer: a quiet dispatcher showed nothing until it exited.
describe('the log on stdout', () => {
  it('shows the WEBHOOK_RESOLVE warning and a failed attempt while the dispatcher runs, not at exit', async () => {
    await waitFor('the WEBHOOK_RESOLVE warning', () =>
      rig.dispatcher.output().includes('WEBHOOK_RESOLVE is set') ? true : undefined,
    );
    const apiKey = await rig.addTeam();
    expect(await postEvent(rig.dispatcher.internalUrl, rig.ingestBody('evt-logged-refused'))).toBe(202);
    const line = await waitFor('the attempt line on stdout', () => attemptLine('evt-logged-refused'));
    expect(JSON.parse(line)).toMatchObject({ webhookEventId: 'evt-logged-refused', status: 500, next: 'retry' });
    expect(rig.dispatcher.child.exitCode).toBeNull();
    expect(apiKey).toMatch(/^spk_/);
  });

  it('logs a successful attempt only at debug', async () => {
    // The success comes first; the failure after it is logged, so the success's line would be there by then.
    expect(await postEvent(rig.dispatcher.internalUrl, rig.ingestBody('evt-logged-ok'))).toBe(202);
    await waitFor('the success at the receiver', () =>
      rig.receiver.received.some((request) => request.body.includes('evt-logged-ok')) ? true : undefined,
    );
    expect(await postEvent(rig.dispatcher.internalUrl, rig.ingestBody('evt-later-refused'))).toBe(202);
    await waitFor('the later failure on stdout', () => attemptLine('evt-later-refused'));
    expect(attemptLine('evt-logged-ok')).toBeUndefined();

    await rig.dispatcher.stop();
    rig.env.LOG_LEVEL = 'debug';
    await rig.start();
    expect(await postEvent(rig.dispatcher.internalUrl, rig.ingestBody('evt-logged-at-debug'))).toBe(202);
    const line = await waitFor('the success on stdout at debug', () => attemptLine('evt-logged-at-debug'));
    expect(JSON.parse(line)).toMatchObject({ level: 20, status: 200, next: 'succeeded' });
  });
});
