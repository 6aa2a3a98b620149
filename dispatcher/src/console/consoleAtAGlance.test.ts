import { browserAvailable, seriousAccessibilityViolations } from '../testing/browser';
import { startConsoleRig, type ConsoleRig } from '../testing/consoleRig';
import { waitFor } from '../testing/waitFor';

// The console as a product, in Chromium, in English and Japanese: webhooks' health at a glance,
// the limit, rotation, deliveries by booking and search, the event catalog.
const describeInBrowser = browserAvailable() ? describe : describe.skip;

let rig: ConsoleRig;
let openGate: () => void = () => undefined;
const gate = new Promise<void>((open) => (openGate = open));

describeInBrowser('the console at a glance', () => {
  beforeAll(async () => {
    rig = await startConsoleRig((request) => {
      if (request.path === '/down') return { status: 503, body: 'down' };
      if (request.path === '/held') return { status: 200, heldUntil: gate };
      return { status: 200, body: 'ok' };
    });
  });
  afterAll(async () => rig?.close());

  const teamWithWebhooks = async (teamId: string) => {
    const key = await rig.dispatcher.createTeam(teamId);
    const register = (path: string, event: string) =>
      rig.dispatcher.call('POST', '/v1/webhooks', { token: key, body: { url: rig.receiverUrl(path), event } });
    await register('/ok', 'event.confirmed');
    await register('/down', 'event.canceled');
    const ids = [
      await rig.ingest(teamId, 'event.confirmed', `${teamId}-ok`),
      await rig.ingest(teamId, 'event.canceled', `${teamId}-down`),
    ];
    await waitFor('both deliveries to finish', async () => {
      const answers = await Promise.all(
        ids.map((id) => rig.dispatcher.call('GET', `/v1/deliveries/${id}`, { token: key })),
      );
      return answers.every((answer) => answer.body.status !== 'pending') ? true : undefined;
    });
    return key;
  };

  it('shows each webhook’s health, makes a failing one stand out, and offers no Add form at the limit', async () => {
    await teamWithWebhooks('glance-en');
    const { page } = await rig.signedIn('glance-en');
    const healthy = page.locator('.webhooks li', { hasText: '/ok' });
    const failing = page.locator('.webhooks li', { hasText: '/down' });
    await healthy.getByText('Healthy').waitFor();
    expect(await healthy.locator('.health-figures').textContent()).toContain('100% (1 of 1)');
    expect(await healthy.locator('.health-figures').textContent()).toContain('HTTP 200');
    expect(await failing.getAttribute('class')).toBe('failing');
    await failing.getByText('Failing', { exact: true }).waitFor();
    const figures = await failing.locator('.health-figures').textContent();
    expect(figures).toContain('0% (0 of 3)');
    expect(figures).toContain('HTTP 503');
    expect(figures).toMatch(/Failures in a row\s*3/);
    // One URL per event (the team's limit): only form.answered still offers the form.
    expect(await page.getByLabel('Webhook URL').count()).toBe(1);
    expect(await page.getByText('This team has reached its limit of 1 URL for this event.').count()).toBe(2);
    await rig.screenshot(page, 'webhooks');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('asks before rotating, says the old secret signs 24 h, can end it now, and hides a deleted webhook’s secret', async () => {
    const key = await teamWithWebhooks('rotate-en');
    const { page } = await rig.signedIn('rotate-en');
    const card = page.locator('.webhooks li', { hasText: '/ok' });
    const id = (await card.locator('.meta code').textContent())!;
    const secrets = async () =>
      (await rig.dispatcher.call('GET', `/v1/webhooks/${id}/secret`, { token: key })).body.secrets.length as number;

    await card.getByRole('button', { name: 'Rotate secret' }).click();
    await card.getByText('The old one keeps signing alongside it for 24 hours').waitFor();
    await card.getByRole('button', { name: 'Cancel' }).click();
    expect(await secrets()).toBe(1);

    await card.getByRole('button', { name: 'Rotate secret' }).click();
    await card.getByRole('button', { name: 'Rotate (old secret valid 24 h)' }).click();
    await card.locator('.secret code').waitFor();
    expect(await secrets()).toBe(2);
    await card.getByText('The previous secret also signs until').waitFor();

    await card.getByRole('button', { name: 'Rotate secret' }).click();
    await card.getByRole('button', { name: 'Rotate and end the old secret now' }).click();
    await card.getByText('The previous secret also signs until').waitFor({ state: 'detached' });
    expect(await secrets()).toBe(1);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    page.once('dialog', (dialog) => void dialog.accept());
    await card.getByRole('button', { name: 'Delete' }).click();
    await page.locator('.secret').waitFor({ state: 'detached' });
    // The event's Add form is back once the list is read again: the limit has room again.
    await page.getByLabel('Webhook URL').nth(1).waitFor();
    expect(await page.getByLabel('Webhook URL').count()).toBe(2);
  });

  it('reads the same in Japanese: health, the limit and the rotation question', async () => {
    await teamWithWebhooks('glance-ja');
    const { page } = await rig.signedIn('glance-ja', { language: 'ja' });
    const failing = page.locator('.webhooks li', { hasText: '/down' });
    await failing.getByText('失敗中').waitFor();
    expect(await failing.locator('.health-figures').textContent()).toContain('0%（3回中0回成功）');
    await page.getByText('上限に達しています').first().waitFor();
    await failing.getByRole('button', { name: 'シークレットを更新' }).click();
    await failing.getByText('古いシークレットも24時間は並行して署名に使われる').waitFor();
    await failing.getByRole('button', { name: '更新して古いものをすぐ無効にする' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('lists deliveries by booking, finds one by invitee email or event id, and refreshes a pending one', async () => {
    const key = await rig.dispatcher.createTeam('bookings');
    await rig.dispatcher.call('POST', '/v1/webhooks', {
      token: key,
      body: { url: rig.receiverUrl('/held'), event: 'event.confirmed' },
    });
    await rig.ingest('bookings', 'event.confirmed', 'evt-hanako', {
      title: '商談:佐藤 花子x山田 太郎',
      invitee: { name: '佐藤 花子', email: 'Hanako.Sato@example.jp' },
      startDateTime: '2026-12-24T01:00:00Z',
    });
    await rig.ingest('bookings', 'event.confirmed', 'evt-ichiro');
    const { page } = await rig.signedIn('bookings');
    await page.goto(`${rig.origin}/console/#/deliveries`);
    const ichiro = page.locator('tbody tr', { hasText: 'evt-ichiro' });
    // Held by the receiver: pending, then succeeded in the list itself once it answers.
    await ichiro.locator('.status.pending').waitFor();
    await ichiro.getByText('一次面接:鈴木 一郎x山田 太郎').waitFor();
    expect(await ichiro.textContent()).toContain('<ichiro.suzuki@example.com>');
    expect(await ichiro.textContent()).toContain('Starts: ');
    openGate();
    await ichiro.locator('.status.succeeded').waitFor({ timeout: 15_000 });
    await rig.screenshot(page, 'deliveries');

    await page.getByLabel('Search').fill('hanako.sato@EXAMPLE.jp');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('tbody tr', { hasText: 'evt-ichiro' }).waitFor({ state: 'detached' });
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.locator('tbody tr').getByText('商談:佐藤 花子x山田 太郎').waitFor();

    await page.getByLabel('Search').fill('evt-ichiro');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.locator('tbody tr', { hasText: 'evt-hanako' }).waitFor({ state: 'detached' });
    expect(await page.locator('tbody tr').count()).toBe(1);

    await page.getByLabel('Search').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByText('No delivery matches.').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('button', { name: '日本語' }).click();
    await page.getByLabel('検索').fill('evt-hanako');
    await page.getByRole('button', { name: '絞り込む' }).click();
    await page.getByRole('columnheader', { name: '予定' }).waitFor();
    await page.locator('tbody tr', { hasText: '開始: ' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('catalogs every event type: fields with descriptions and sources, a sample, the JSON Schema', async () => {
    await rig.dispatcher.createTeam('catalog');
    const { page } = await rig.signedIn('catalog');
    await page.getByRole('link', { name: 'Event types' }).click();
    await page.getByRole('heading', { name: 'Event types', level: 1 }).waitFor();
    // The heading shows while the catalog loads; its sections come in one answer.
    await page.locator('section.event-type').first().waitFor();
    expect(await page.locator('section.event-type').count()).toBe(3);
    const canceled = page.locator('section.event-type', { hasText: 'event.canceled' });
    const reason = canceled.locator('tr', { hasText: 'payload.cancelReason' });
    expect(await reason.locator('td').allTextContents()).toEqual([
      'payload.cancelReason',
      'string',
      'Yes',
      'Why it was canceled (free text, may be empty)',
      'Reconstructed',
    ]);
    expect(await canceled.locator('tr', { hasText: 'payload.startDateTime' }).locator('td').nth(4).textContent()).toBe(
      'Confirmed',
    );
    await canceled.getByText('JSON Schema').click();
    await canceled.locator('pre', { hasText: '"$schema": "https://json-schema.org/draft/2020-12/schema"' }).waitFor();
    await canceled.getByText('Sample').click();
    await canceled.locator('pre', { hasText: '"webhookEventName": "event.canceled"' }).waitFor();
    await rig.screenshot(page, 'catalog');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('button', { name: '日本語' }).click();
    const reasonJa = page.locator('section.event-type', { hasText: 'event.canceled' }).locator('tr', {
      hasText: 'payload.cancelReason',
    });
    await reasonJa.getByText('キャンセルの理由（自由記述、空のこともある）').waitFor();
    expect(await reasonJa.locator('td').nth(4).textContent()).toBe('未確認');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });
});
