import { browserAvailable } from '../testing/browser';
import { startConsoleRig, type ConsoleRig, type Language } from '../testing/consoleRig';

// Events that deviate from the contract are delivered as sent (INGEST_CONTRACT=flag), so the
// console must show them: what is there, marked where it is not as expected, never a blank page.
const describeInBrowser = browserAvailable() ? describe : describe.skip;

const marker: Record<Language, string> = { en: 'not as the contract expects', ja: '契約と異なる値' };
let rig: ConsoleRig;
let oddStart: string;

describeInBrowser('the console beside events that deviate from the contract', () => {
  beforeAll(async () => {
    rig = await startConsoleRig(() => ({ status: 200, body: 'ok' }));
    const key = await rig.dispatcher.createTeam('odd');
    await rig.dispatcher.call('POST', '/v1/webhooks', {
      token: key,
      body: { url: rig.receiverUrl('/hook'), event: 'event.confirmed' },
    });
    oddStart = await rig.ingest('odd', 'event.confirmed', 'evt-odd-start', { startDateTime: 'next Tuesday' });
    await rig.ingest('odd', 'event.confirmed', 'evt-odd-title', { privateTitle: { ja: '面談', en: 'Interview' } });
  });
  afterAll(async () => rig?.close());

  it.each(['en', 'ja'] as Language[])(
    'lists deliveries with a start that is not a date, marked (%s)',
    async (language) => {
      const { page } = await rig.signedIn('odd', { language });
      await page.goto(`${rig.origin}/console/#/deliveries`);
      await page.getByText(`next Tuesday (${marker[language]})`).waitFor();
      expect(await page.locator('tbody tr').count()).toBe(2);
    },
  );

  it.each(['en', 'ja'] as Language[])('shows a delivery whose start is not a date, marked (%s)', async (language) => {
    const { page } = await rig.signedIn('odd', { language });
    await page.goto(`${rig.origin}/console/#/deliveries/${oddStart}`);
    await page.getByText(`next Tuesday (${marker[language]})`).waitFor();
    await page.locator('h1').first().waitFor();
  });

  it.each(['en', 'ja'] as Language[])(
    'lists an event whose private title is an object, marked (%s)',
    async (language) => {
      const { page } = await rig.signedIn('odd', { language });
      await page.goto(`${rig.origin}/console/#/events`);
      // The list titles each booking by the deliveries' rule (payload.title); the private title
      // that is an object is named among the event's deviations and shown as sent in its JSON.
      const odd = page.locator('ul.events > li', { has: page.locator('code', { hasText: 'evt-odd-title' }) });
      await odd.locator('.deviations code', { hasText: 'payload.privateTitle' }).waitFor();
      expect(await odd.locator('pre.body').textContent()).toContain('"ja": "面談"');
      await page.locator('code', { hasText: 'evt-odd-start' }).first().waitFor();
    },
  );
});
