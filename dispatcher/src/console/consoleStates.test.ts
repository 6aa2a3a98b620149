import type { Page } from 'playwright-core';
import { browserAvailable, launchChromium, seriousAccessibilityViolations } from '../testing/browser';
import { overflowsViewport, startConsoleRig, widths, type ConsoleRig, type Language } from '../testing/consoleRig';

// Every page's states (loading, failed, session ended, stale answers) and every page at a laptop's
// and a phone's width, in both languages: nothing wider than the screen, no serious axe finding.
const describeInBrowser = browserAvailable() ? describe : describe.skip;

let rig: ConsoleRig;
let deliveryId: string;

describeInBrowser('the console’s states and small screens', () => {
  beforeAll(async () => {
    rig = await startConsoleRig(() => ({ status: 503, body: 'x'.repeat(400) }));
    const key = await rig.dispatcher.createTeam('states');
    await rig.dispatcher.call('POST', '/v1/webhooks', {
      token: key,
      body: { url: rig.receiverUrl(`/a/very/long/path/${'segment/'.repeat(12)}hook`), event: 'event.confirmed' },
    });
    deliveryId = await rig.ingest('states', 'event.confirmed', `evt-${'long-id-'.repeat(8)}`);
    await rig.ingest('states', 'event.confirmed', 'evt-b');
  });
  afterAll(async () => rig?.close());

  it('shows loading, then a failure it can retry, on a network error', async () => {
    const { page } = await rig.signedIn('states');
    let fail = true;
    await page.route('**/v1/event-types', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 700));
      if (fail) await route.abort('internetdisconnected');
      else await route.continue();
    });
    await page.getByRole('link', { name: 'Event types' }).click();
    await page.getByText('Loading…').waitFor();
    await page.getByRole('alert').getByText('The console cannot reach its server. Check the network.').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    fail = false;
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.locator('section.event-type').first().waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('never lets a late answer to an old search overwrite a newer one', async () => {
    const { page } = await rig.signedIn('states');
    await page.route('**/v1/deliveries?*', async (route) => {
      if (route.request().url().includes('q=evt-long')) await new Promise((resolve) => setTimeout(resolve, 1_500));
      await route.continue().catch(() => undefined); // the console aborted it: nothing to continue
    });
    await page.goto(`${rig.origin}/console/#/deliveries`);
    await page.locator('tbody tr').first().waitFor();
    await page.getByLabel('Search').fill('evt-long-id-long-id-long-id-long-id-long-id-long-id-long-id-long-id-');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByLabel('Search').fill('evt-b');
    await page.getByRole('button', { name: 'Filter' }).click();
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(await page.locator('tbody tr code.event-id').allTextContents()).toEqual(['evt-b']);
  });

  it.each(['en', 'ja'] as Language[])(
    'sends a person whose session ended mid-way back to sign-in, saying why (%s)',
    async (language) => {
      const { page } = await rig.signedIn('states', { language });
      await rig.dispatcher.call('DELETE', '/internal/v1/teams/states/console-sessions');
      await page.goto(`${rig.origin}/console/#/deliveries`);
      await page
        .getByText(
          language === 'en'
            ? 'Your session ended (it expired, or its key was revoked). Sign in again.'
            : 'セッションが終了しました（有効期限切れ、またはキーの取り消し）。もう一度サインインしてください。',
        )
        .waitFor();
      await page.getByLabel(language === 'en' ? 'Team API key' : 'チームAPIキー').waitFor();
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
    },
  );

  const everyPage = async (page: Page, language: Language, width: number) => {
    const found: string[] = [];
    const check = async (on: Page, name: string) => {
      if (await overflowsViewport(on)) found.push(`${name} at ${width}px: wider than the screen`);
      for (const violation of await seriousAccessibilityViolations(on))
        found.push(`${name} at ${width}px: ${violation}`);
    };
    const ready = {
      webhooks: '.webhooks li',
      deliveries: 'tbody tr',
      events: '.events li',
      catalog: 'section.event-type',
    };
    for (const [route, selector] of Object.entries(ready)) {
      await page.goto(`${rig.origin}/console/#/${route}`);
      await page.locator(selector).first().waitFor();
      await check(page, route);
    }
    await page.goto(`${rig.origin}/console/#/deliveries/${deliveryId}`);
    await page.locator('.timeline li').first().waitFor();
    await check(page, 'delivery');
    const visitor = await rig.browser.newPage({
      locale: language === 'ja' ? 'ja-JP' : 'en-US',
      viewport: { width, height: 800 },
    });
    await visitor.goto(`${rig.origin}/console/`);
    await visitor.locator('#api-key').waitFor();
    await check(visitor, 'sign-in');
    // A sign-in link used twice: the dispatcher's own page.
    const link = await rig.consoleLink('states');
    await visitor.goto(link);
    await check(visitor, 'sign-in link');
    await visitor.getByRole('button', { name: language === 'ja' ? 'サインイン' : 'Sign in' }).click();
    await visitor.getByRole('heading', { name: language === 'ja' ? 'Webhook' : 'Webhooks', level: 1 }).waitFor();
    await visitor.goto(link);
    await visitor.locator('h1').waitFor();
    await check(visitor, 'used link');
    await visitor.close();
    return found;
  };

  it.each(['en', 'ja'] as Language[])(
    'fits every page on a phone and a laptop, with no serious axe finding (%s)',
    async (language) => {
      const found: string[] = [];
      for (const width of [widths.desktop, widths.phone]) {
        const { page, context } = await rig.signedIn('states', { language, width });
        found.push(...(await everyPage(page, language, width)));
        if (width === widths.phone && language === 'en') await rig.screenshot(page, 'delivery-phone');
        await context.close();
      }
      expect(found).toEqual([]);
    },
    120_000,
  );

  it('says on plain http from a non-loopback host why the session cannot be kept', async () => {
    const browser = await launchChromium(['--host-resolver-rules=MAP console.test 127.0.0.1']);
    try {
      const page = await browser.newPage({ locale: 'en-US' });
      const link = (await rig.consoleLink('states')).replace('localhost', 'console.test');
      await page.goto(link);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // The link was used, the cookie dropped: the sign-in page, and the reason.
      await page.getByRole('alert').getByText('This page was opened over plain http from console.test').waitFor();
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
