import { browserAvailable, seriousAccessibilityViolations } from '../testing/browser';
import { startConsoleRig, type ConsoleRig } from '../testing/consoleRig';
import { waitFor } from '../testing/waitFor';

// The console's first flows in a real headless Chromium: sign in, register, test, read a failing
// delivery, resend, recover after an outage. consoleAtAGlance/consoleStates cover the rest.
const describeInBrowser = browserAvailable() ? describe : describe.skip;

let rig: ConsoleRig;
let flakyRecovered = false;
let outageOver = false;

describeInBrowser('the team console', () => {
  beforeAll(async () => {
    rig = await startConsoleRig((request) => {
      if (request.path === '/flaky') return flakyRecovered ? { status: 200 } : { status: 503, body: 'maintenance' };
      if (request.path === '/xss') return { status: 500, body: '<script>window.__injected = 1</script>' };
      if (request.path === '/outage') return outageOver ? { status: 200 } : { status: 503, body: 'down' };
      return { status: 200, body: 'ok' };
    });
  });
  afterAll(async () => rig?.close());

  const register = async (teamId: string, path: string, event: string) =>
    rig.dispatcher.call('POST', '/v1/webhooks', {
      token: await rig.dispatcher.createTeamKey(teamId),
      body: { url: rig.receiverUrl(path), event },
    });

  it('signs in with a one-time link, registers a URL with its rules explained, and sends a test', async () => {
    await rig.dispatcher.createTeam('console-a');
    const { page, link } = await rig.signedIn('console-a');
    const url = page.getByLabel('Webhook URL').first();
    await url.fill('http://receiver.test/hook');
    await page.getByText('The URL must use https').waitFor();
    await url.fill(rig.receiverUrl('/ok'));
    await page.getByText('This URL can be registered.').first().waitFor();
    await page.getByRole('button', { name: 'Add' }).first().click();
    await page.getByText('Signing secret (shown this once):').waitFor();
    expect(await page.locator('.secret code').textContent()).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Send a test' }).click();
    await page.getByText('The test was delivered: The endpoint accepted the event (HTTP 200).').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // The link was for one use; its page looks like the console's (its stylesheet and icon load).
    const again = await rig.browser.newPage();
    const answer = await again.goto(link);
    expect(answer?.status()).toBe(403);
    await again.getByRole('heading', { name: 'This sign-in link cannot be used' }).waitFor();
    const borderStyle = await again.locator('header').evaluate((header) => {
      const { getComputedStyle } = globalThis as unknown as {
        getComputedStyle: (element: unknown) => { borderBottomStyle: string };
      };
      return getComputedStyle(header).borderBottomStyle;
    });
    expect(borderStyle).toBe('solid');
    const icon = await again.locator('link[rel="icon"]').getAttribute('href');
    const iconAnswer = await fetch(`${rig.origin}${icon}`);
    expect([iconAnswer.status, iconAnswer.headers.get('content-type')]).toEqual([200, 'image/svg+xml']);
    expect(await seriousAccessibilityViolations(again)).toEqual([]);
  });

  it('shows a failing delivery newest attempt first, identical answers as one line, then resends it', async () => {
    await rig.dispatcher.createTeam('console-f');
    const { page } = await rig.signedIn('console-f');
    await register('console-f', '/flaky', 'event.canceled');
    const deliveryId = await rig.ingest('console-f', 'event.canceled', 'evt-console-flaky');
    await page.goto(`${rig.origin}/console/#/deliveries/${deliveryId}`);
    await page.locator('.status.failed').first().waitFor({ timeout: 20_000 });
    const attempts = page.locator('.timeline > li');
    expect(await attempts.count()).toBe(2);
    // Newest first: attempts 2 and 3 got attempt 1's answer, so they are one line above it.
    expect(await attempts.first().locator('h2').textContent({ timeout: 3_000 })).toBe(
      'Round 1 · Attempts 2–3: the same answer as attempt 1',
    );
    expect(await page.locator('pre.body').filter({ hasText: 'maintenance' }).count()).toBe(1);
    await page.getByText('The endpoint had an error of its own (HTTP 503).').first().waitFor();
    const responseHeaders = attempts.last().locator('details', { hasText: 'Response headers' });
    await responseHeaders.locator('summary').click();
    await responseHeaders.locator('dt', { hasText: /^date$/ }).waitFor({ timeout: 3_000 });
    // A console session may read the secret, so the API shows it the signature of each attempt.
    expect(await page.locator('dd').filter({ hasText: /^v1,/ }).count()).toBe(1);

    flakyRecovered = true;
    await page.getByRole('button', { name: 'Resend' }).click();
    await page.locator('.status.succeeded').first().waitFor({ timeout: 20_000 });
    expect(await attempts.count()).toBe(3);
    expect(await attempts.first().getAttribute('class')).toBe('succeeded');
    await rig.screenshot(page, 'delivery');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('resends every delivery that failed since a moment, from the deliveries page, after an outage', async () => {
    await rig.dispatcher.createTeam('console-r');
    const { page } = await rig.signedIn('console-r');
    await register('console-r', '/outage', 'form.answered');
    const ids = [
      await rig.ingest('console-r', 'form.answered', 'evt-outage-1'),
      await rig.ingest('console-r', 'form.answered', 'evt-outage-2'),
    ];
    const key = await rig.dispatcher.createTeamKey('console-r');
    await waitFor('both deliveries to fail', async () => {
      const statuses = await Promise.all(
        ids.map(async (id) => (await rig.dispatcher.call('GET', `/v1/deliveries/${id}`, { token: key })).body.status),
      );
      return statuses.every((status) => status === 'failed') ? true : undefined;
    });
    const webhookReads: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/v1/webhooks') webhookReads.push(url.search);
    });
    await page.goto(`${rig.origin}/console/#/deliveries`);
    for (const id of ids) await page.locator(`a[href="#/deliveries/${id}"].failed`).waitFor();
    // The webhook filter's options come from the list without health.
    await page.locator('option', { hasText: rig.receiverUrl('/outage') }).waitFor({ state: 'attached' });
    expect(webhookReads).toContain('?health=false');
    outageOver = true;
    await page.getByLabel('Created since').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Resend failed deliveries' }).click();
    await page.getByText('Resending 2 deliveries.').waitFor();
    // The list refreshes itself while deliveries are pending: both turn to succeeded without a reload.
    for (const id of ids) await page.locator(`a[href="#/deliveries/${id}"].succeeded`).waitFor({ timeout: 20_000 });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('shows a response body as text, never as HTML, and in Japanese when switched', async () => {
    const { page } = await rig.signedIn('console-a');
    await register('console-a', '/xss', 'form.answered');
    const deliveryId = await rig.ingest('console-a', 'form.answered', 'evt-console-xss');
    await page.goto(`${rig.origin}/console/#/deliveries/${deliveryId}`);
    await page.locator('pre.body').filter({ hasText: '<script>window.__injected = 1</script>' }).first().waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { __injected?: number }).__injected)).toBeUndefined();
    await page.getByRole('button', { name: '日本語' }).click();
    await page.getByRole('button', { name: '再送' }).waitFor();
    await page.locator('.status.failed').first().waitFor({ timeout: 20_000 });
    await page.getByText('1巡目 · 2〜3回目: 1回目と同じ応答').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it("gives another team's session a 404 for this team's delivery", async () => {
    const theirs = await rig.ingest('console-a', 'event.canceled', 'evt-console-private');
    await rig.dispatcher.createTeam('console-b');
    const { page } = await rig.signedIn('console-b');
    await page.goto(`${rig.origin}/console/#/deliveries/${theirs}`);
    await page.getByRole('heading', { name: 'This delivery was not found.' }).waitFor();
  });

  it('sends a Content-Security-Policy without inline scripts, and cannot be framed by default', async () => {
    const response = await fetch(`${rig.origin}/console/`);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).toContain("frame-ancestors 'none'");
  });

  it('finds serious accessibility violations where there are some, so that the checks above can fail', async () => {
    const page = await rig.browser.newPage();
    await page.setContent('<html><body><img src="data:,"><button></button></body></html>');
    expect(await seriousAccessibilityViolations(page)).not.toEqual([]);
  });
});
