import type { Page } from 'playwright-core';
import { browserAvailable, seriousAccessibilityViolations } from '../testing/browser';
import { startConsoleRig, type ConsoleRig, type Language } from '../testing/consoleRig';
import { waitFor } from '../testing/waitFor';

// The console after an outage, in Chromium, in English and Japanese: a delivery that failed five
// times on one screen, the Recover panel only when something failed, one title per booking, an
// Add button that looks ready, test sends where people look.
const describeInBrowser = browserAvailable() ? describe : describe.skip;

let rig: ConsoleRig;
const languages: Language[] = ['en', 'ja'];

describeInBrowser('the console after an outage', () => {
  beforeAll(async () => {
    rig = await startConsoleRig(
      (request) => (request.path === '/down' ? { status: 503, body: 'down for maintenance' } : { status: 200 }),
      // Spir's policy: the first attempt and four retries.
      { MAX_RETRIES: '4' },
    );
  });
  afterAll(async () => rig?.close());

  /** A team with one webhook per path; returns its key. */
  const team = async (teamId: string, webhooks: [path: string, event: string][]) => {
    const key = await rig.dispatcher.createTeam(teamId);
    for (const [path, event] of webhooks)
      await rig.dispatcher.call('POST', '/v1/webhooks', { token: key, body: { url: rig.receiverUrl(path), event } });
    return key;
  };
  const finished = async (key: string, ids: string[]) =>
    waitFor('the deliveries to finish', async () => {
      const answers = await Promise.all(
        ids.map((id) => rig.dispatcher.call('GET', `/v1/deliveries/${id}`, { token: key })),
      );
      return answers.every((answer) => answer.body.status !== 'pending') ? true : undefined;
    });
  /** Whether the element's bottom edge is inside the first screen (no scrolling needed). */
  const onFirstScreen = async (page: Page, selector: string) => {
    const box = await page.locator(selector).boundingBox();
    return box !== null && box.y + box.height <= page.viewportSize()!.height;
  };

  it.each(languages)(
    'shows a delivery that failed five times on one screen: attempts 2–5 as one line (%s)',
    async (language) => {
      const teamId = `five-${language}`;
      const key = await team(teamId, [['/down', 'event.canceled']]);
      const id = await rig.ingest(teamId, 'event.canceled', `evt-five-${language}`);
      await finished(key, [id]);
      const { page } = await rig.signedIn(teamId, { language });
      await page.goto(`${rig.origin}/console/#/deliveries/${id}`);
      const attempts = page.locator('.timeline > li');
      await attempts.first().waitFor();
      expect(await attempts.count()).toBe(2);
      expect(await attempts.first().locator('h2').textContent()).toBe(
        language === 'en'
          ? 'Round 1 · Attempts 2–5: the same answer as attempt 1'
          : '1巡目 · 2〜5回目: 1回目と同じ応答',
      );
      expect(await attempts.last().locator('h2').textContent()).toContain(language === 'en' ? 'Attempt 1' : '1回目');
      expect(await page.locator('pre.body', { hasText: 'down for maintenance' }).count()).toBe(1);
      expect(await onFirstScreen(page, '.timeline')).toBe(true);
      if (language === 'en') await rig.screenshot(page, 'delivery-five-failures');
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
    },
  );

  it.each(languages)('shows the Recover panel only once something failed, saying how many (%s)', async (language) => {
    const teamId = `recover-${language}`;
    const key = await team(teamId, [
      ['/ok', 'event.confirmed'],
      ['/down', 'event.canceled'],
    ]);
    await finished(key, [await rig.ingest(teamId, 'event.confirmed', `evt-fine-${language}`)]);
    const { page } = await rig.signedIn(teamId, { language });
    const title = language === 'en' ? 'Resend failed deliveries' : '失敗した送信をまとめて再送';
    const counted = page.waitForResponse((answer) => answer.url().includes('status=failed'));
    await page.goto(`${rig.origin}/console/#/deliveries`);
    await counted;
    await page.locator('tbody tr .status.succeeded').waitFor();
    expect(await page.getByRole('heading', { name: title }).count()).toBe(0);

    const failed = [
      await rig.ingest(teamId, 'event.canceled', `evt-lost-1-${language}`),
      await rig.ingest(teamId, 'event.canceled', `evt-lost-2-${language}`),
    ];
    await finished(key, failed);
    await page.reload();
    await page.getByRole('heading', { name: title }).waitFor();
    await page
      .locator('.recover .failed-count', {
        hasText: language === 'en' ? '2 deliveries finally failed.' : '最終的に失敗した送信が2件あります。',
      })
      .waitFor();
    // The moment to resend from is filled in: the oldest failed delivery's minute.
    expect(await page.locator('#recover-since').inputValue()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d$/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it.each(languages)(
    'gives a booking the same title on the events page and the deliveries page (%s)',
    async (language) => {
      const teamId = `titles-${language}`;
      const key = await team(teamId, [['/ok', 'event.confirmed']]);
      const id = await rig.ingest(teamId, 'event.confirmed', `evt-title-${language}`, {
        title: '最終面接:高橋 美咲x山田 太郎',
        privateTitle: '採用面接（最終）',
      });
      await finished(key, [id]);
      const { page } = await rig.signedIn(teamId, { language });
      await page.goto(`${rig.origin}/console/#/deliveries`);
      const onDeliveries = await page.locator('tbody tr .booking-title').textContent();
      await page.goto(`${rig.origin}/console/#/events`);
      const onEvents = await page.locator('.events li .booking-title').textContent();
      expect([onDeliveries, onEvents]).toEqual(['最終面接:高橋 美咲x山田 太郎', '最終面接:高橋 美咲x山田 太郎']);
    },
  );

  it.each(languages)(
    'offers an Add button that looks ready, and says what to enter when the URL is empty (%s)',
    async (language) => {
      const teamId = `add-${language}`;
      await team(teamId, []);
      const { page } = await rig.signedIn(teamId, { language });
      const add = page.getByRole('button', { name: language === 'en' ? 'Add' : '追加' }).first();
      expect(await add.isEnabled()).toBe(true);
      // The console's primary blue, as every other action: not the grey of a disabled button.
      const background = await add.evaluate((button) => {
        const { getComputedStyle } = globalThis as unknown as {
          getComputedStyle: (element: unknown) => { backgroundColor: string };
        };
        return getComputedStyle(button).backgroundColor;
      });
      expect(background).toBe('rgb(11, 87, 164)');
      await add.click();
      await page
        .getByRole('alert')
        .getByText(
          language === 'en' ? 'Enter an https URL with a public host name' : 'https で、公開されたホスト名のURL',
        )
        .first()
        .waitFor();
      await page.getByLabel('Webhook URL').first().fill(rig.receiverUrl('/ok'));
      await add.click();
      await page.locator('.secret code').waitFor();
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
    },
  );

  it.each(languages)(
    'shows a test send in the webhook’s health and in the deliveries, marked as a test (%s)',
    async (language) => {
      const teamId = `test-send-${language}`;
      await team(teamId, [['/ok', 'event.confirmed']]);
      const { page } = await rig.signedIn(teamId, { language });
      const card = page.locator('.webhooks li', { hasText: '/ok' });
      await card.getByText(language === 'en' ? 'No attempts in 24 h' : '24時間送信なし').waitFor();
      await card.getByRole('button', { name: language === 'en' ? 'Send a test' : 'テスト送信' }).click();
      await card
        .locator('.health-figures', { hasText: language === 'en' ? '100% (1 of 1)' : '100%（1回中1回成功）' })
        .waitFor();
      await card.locator('.badge.healthy', { hasText: language === 'en' ? 'Healthy' : '正常' }).waitFor();
      await card.getByRole('link', { name: language === 'en' ? 'See it in deliveries' : '送信履歴で見る' }).click();
      const mark = language === 'en' ? 'Test' : 'テスト送信';
      await page.locator('.badge.test', { hasText: mark }).waitFor();
      expect(await page.getByRole('button', { name: language === 'en' ? 'Resend' : '再送' }).count()).toBe(0);
      await page.goto(`${rig.origin}/console/#/deliveries`);
      const row = page.locator('tbody tr');
      await row.first().waitFor();
      expect(await row.count()).toBe(1);
      expect(await row.locator('.badge.test').textContent()).toBe(mark);
      expect(await row.locator('code.event-id').textContent()).toMatch(/^test_/);
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
    },
  );
});
