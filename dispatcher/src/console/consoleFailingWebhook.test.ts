import { browserAvailable, seriousAccessibilityViolations } from '../testing/browser';
import { startConsoleRig, type ConsoleRig, type Language } from '../testing/consoleRig';
import { waitFor } from '../testing/waitFor';

// A failing webhook in the console, in Chromium, in English and Japanese: since when, how many
// deliveries failed, what happens next, and the switch for automatic redelivery.
const describeInBrowser = browserAvailable() ? describe : describe.skip;

let rig: ConsoleRig;

describeInBrowser('a failing webhook in the console', () => {
  beforeAll(async () => {
    rig = await startConsoleRig(() => ({ status: 503, body: 'down' }));
  });
  afterAll(async () => rig?.close());

  const texts = {
    en: {
      since: 'Failing since ',
      failed: 'Deliveries that finally failed: 2',
      on: 'When the receiver answers again, these 2 deliveries are sent again, oldest first.',
      off: 'Automatic redelivery is off: nothing is sent again on its own.',
      switch: 'Resend automatically once it answers again',
    },
    ja: {
      since: 'から失敗が続いています。',
      failed: '最終的に失敗した送信: 2件',
      on: '受信側が再び応答したら、この2件を古い順に自動で再送します。',
      off: '自動再送はオフです。',
      switch: '回復したら自動で再送する',
    },
  } satisfies Record<Language, Record<string, string>>;

  it.each(['en', 'ja'] as Language[])(
    'says since when it fails, how many failed, what happens next, and switches redelivery off (%s)',
    async (language) => {
      const teamId = `failing-${language}`;
      const key = await rig.dispatcher.createTeam(teamId);
      const { body: webhook } = await rig.dispatcher.call('POST', '/v1/webhooks', {
        token: key,
        body: { url: rig.receiverUrl('/down'), event: 'event.canceled' },
      });
      const ids = [
        await rig.ingest(teamId, 'event.canceled', `evt-fail-1-${language}`),
        await rig.ingest(teamId, 'event.canceled', `evt-fail-2-${language}`),
      ];
      await waitFor('both deliveries to fail', async () => {
        const answers = await Promise.all(
          ids.map((id) => rig.dispatcher.call('GET', `/v1/deliveries/${id}`, { token: key })),
        );
        return answers.every((answer) => answer.body.status === 'failed') ? true : undefined;
      });
      const { page } = await rig.signedIn(teamId, { language });
      const notice = page.locator('.webhooks li .failing-notice');
      const text = texts[language];
      await notice.locator('.failing-since', { hasText: text.since }).waitFor();
      expect(await notice.locator('.failed-deliveries').textContent()).toBe(text.failed);
      expect(await notice.locator('.next').textContent()).toContain(text.on);
      const toggle = page.getByRole('switch', { name: text.switch });
      expect(await toggle.isChecked()).toBe(true);
      if (language === 'en') await rig.screenshot(page, 'failing-webhook');
      expect(await seriousAccessibilityViolations(page)).toEqual([]);

      await toggle.click();
      await notice.locator('.next', { hasText: text.off }).waitFor();
      expect(await toggle.isChecked()).toBe(false);
      const { body: list } = await rig.dispatcher.call('GET', '/v1/webhooks', { token: key });
      expect(list.data.find((w: { id: string }) => w.id === webhook.id).autoRedeliver).toBe(false);
    },
  );
});
