import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { cloneSample } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { browserAvailable, launchChromium, seriousAccessibilityViolations } from '../testing/browser';
import { startHttpsReceiver, type HttpsReceiver } from '../testing/httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from '../testing/testDispatcher';
import { waitFor } from '../testing/waitFor';

// The console in a real headless Chromium, against a real dispatcher and a real HTTPS receiver.
// SCREENSHOTS_DIR=docs/console writes the README's screenshots.
const describeInBrowser = browserAvailable() ? describe : describe.skip;

let receiver: HttpsReceiver;
let dispatcher: TestDispatcher;
let browser: Browser;
let origin: string;
let flakyRecovered = false;
let outageOver = false;

describeInBrowser('the team console', () => {
  beforeAll(async () => {
    const ca = await createThrowawayCa();
    receiver = await startHttpsReceiver(ca, ['receiver.test']);
    receiver.answer = (request) => {
      if (request.path === '/flaky') return flakyRecovered ? { status: 200 } : { status: 503, body: 'maintenance' };
      if (request.path === '/xss') return { status: 500, body: '<script>window.__injected = 1</script>' };
      if (request.path === '/outage') return outageOver ? { status: 200 } : { status: 503, body: 'down' };
      return { status: 200, body: 'ok' };
    };
    dispatcher = await startTestDispatcher(
      { WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1', RETRY_INTERVAL_SECONDS: '0.2', MAX_RETRIES: '2' },
      { ca: [ca.caCert] },
    );
    // localhost: a secure context, where the session cookie (Secure) is kept over plain http.
    origin = dispatcher.url.replace('127.0.0.1', 'localhost');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await dispatcher?.close();
    await receiver?.close();
  });

  const consoleLink = async (teamId: string) => {
    const { status, body } = await dispatcher.call('POST', `/internal/v1/teams/${teamId}/console-links`);
    expect(status).toBe(201);
    return (body.url as string).replace(dispatcher.url, origin);
  };
  const ingest = async (teamId: string, name: 'event.canceled' | 'form.answered', id: string) => {
    const event = { ...cloneSample(name), webhookEventId: id };
    const { body } = await dispatcher.call('POST', '/internal/v1/events', {
      body: { teamId, urlKind: 'template', event },
    });
    return body.deliveries[0] as string;
  };
  const screenshot = async (page: Page, name: string) => {
    const folder = process.env.SCREENSHOTS_DIR;
    if (folder === undefined) return;
    mkdirSync(folder, { recursive: true });
    await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true });
  };
  async function signedIn(teamId: string): Promise<{ context: BrowserContext; page: Page; link: string }> {
    const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const link = await consoleLink(teamId);
    await page.goto(link);
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    return { context, page, link };
  }

  it('signs in with a one-time link, registers a URL with its rules explained, and sends a test', async () => {
    await dispatcher.createTeam('console-a');
    const { page, link } = await signedIn('console-a');
    const url = page.getByLabel('Webhook URL').first();
    await url.fill('http://receiver.test/hook');
    await page.getByText('The URL must use https').waitFor();
    await url.fill(`https://receiver.test:${receiver.port}/ok`);
    await page.getByText('This URL can be registered.').first().waitFor();
    await page.getByRole('button', { name: 'Add' }).first().click();
    await page.getByText('Signing secret (shown this once):').waitFor();
    expect(await page.locator('.secret code').textContent()).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Send a test' }).click();
    await page.getByText('The test was delivered: The endpoint accepted the event (HTTP 200).').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // The link was for one use.
    const again = await browser.newPage();
    const answer = await again.goto(link);
    expect(answer?.status()).toBe(403);
    await again.getByRole('heading', { name: 'This sign-in link cannot be used' }).waitFor();
    expect(await seriousAccessibilityViolations(again)).toEqual([]);
  });

  it('shows a failing delivery attempt by attempt, then resends it once the endpoint recovered', async () => {
    const { page } = await signedIn('console-a');
    await dispatcher.call('POST', '/v1/webhooks', {
      token: await dispatcher.createTeamKey('console-a'),
      body: { url: `https://receiver.test:${receiver.port}/flaky`, event: 'event.canceled' },
    });
    const deliveryId = await ingest('console-a', 'event.canceled', 'evt-console-flaky');
    await page.goto(`${origin}/console/#/deliveries`);
    await page.getByRole('heading', { name: 'Deliveries', level: 1 }).waitFor();
    await page.locator(`a[href="#/deliveries/${deliveryId}"]`).waitFor();
    await screenshot(page, 'deliveries');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.goto(`${origin}/console/#/deliveries/${deliveryId}`);
    await page.locator('.status.failed').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.timeline li').count()).toBe(3);
    await page.getByText('The endpoint had an error of its own (HTTP 503).').first().waitFor();
    expect(await page.locator('dd').filter({ hasText: '(redacted)' }).count()).toBe(3);

    flakyRecovered = true;
    await page.getByRole('button', { name: 'Resend' }).click();
    await page.locator('.status.succeeded').first().waitFor({ timeout: 20_000 });
    expect(await page.locator('.timeline li').count()).toBe(4);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('resends every delivery that failed since a moment, from the deliveries page, after an outage', async () => {
    await dispatcher.createTeam('console-r');
    const { page } = await signedIn('console-r');
    await dispatcher.call('POST', '/v1/webhooks', {
      token: await dispatcher.createTeamKey('console-r'),
      body: { url: `https://receiver.test:${receiver.port}/outage`, event: 'form.answered' },
    });
    const ids = [
      await ingest('console-r', 'form.answered', 'evt-outage-1'),
      await ingest('console-r', 'form.answered', 'evt-outage-2'),
    ];
    const key = await dispatcher.createTeamKey('console-r');
    await waitFor('both deliveries to fail', async () => {
      const statuses = await Promise.all(
        ids.map(async (id) => (await dispatcher.call('GET', `/v1/deliveries/${id}`, { token: key })).body.status),
      );
      return statuses.every((status) => status === 'failed') ? true : undefined;
    });
    await page.goto(`${origin}/console/#/deliveries`);
    for (const id of ids) await page.locator(`a[href="#/deliveries/${id}"].failed`).waitFor();
    outageOver = true;
    await page.getByLabel('Created since').fill('2020-01-01T00:00');
    await page.getByRole('button', { name: 'Resend failed deliveries' }).click();
    await page.getByText('Resending 2 deliveries.').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it('shows a response body as text, never as HTML, and in Japanese when switched', async () => {
    const { page } = await signedIn('console-a');
    await dispatcher.call('POST', '/v1/webhooks', {
      token: await dispatcher.createTeamKey('console-a'),
      body: { url: `https://receiver.test:${receiver.port}/xss`, event: 'form.answered' },
    });
    const deliveryId = await ingest('console-a', 'form.answered', 'evt-console-xss');
    await page.goto(`${origin}/console/#/deliveries/${deliveryId}`);
    await page.locator('pre.body').filter({ hasText: '<script>window.__injected = 1</script>' }).first().waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { __injected?: number }).__injected)).toBeUndefined();
    await page.getByRole('button', { name: '日本語' }).click();
    await page.getByRole('button', { name: '再送' }).waitFor();
    await page.locator('.status.failed').first().waitFor({ timeout: 20_000 });
    await screenshot(page, 'delivery');
    await page.goto(`${origin}/console/#/webhooks`);
    await page.getByRole('heading', { name: 'Webhook', level: 1 }).waitFor();
    await screenshot(page, 'webhooks');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });

  it("gives another team's session a 404 for this team's delivery", async () => {
    const theirs = await ingest('console-a', 'event.canceled', 'evt-console-private');
    await dispatcher.createTeam('console-b');
    const { page } = await signedIn('console-b');
    await page.goto(`${origin}/console/#/deliveries/${theirs}`);
    await page.getByRole('heading', { name: 'This delivery was not found.' }).waitFor();
  });

  it('sends a Content-Security-Policy without inline scripts, and cannot be framed by default', async () => {
    const response = await fetch(`${origin}/console/`);
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self'");
    expect(policy).not.toContain('unsafe-inline');
    expect(policy).toContain("frame-ancestors 'none'");
  });

  it('finds serious accessibility violations where there are some, so that the checks above can fail', async () => {
    const page = await browser.newPage();
    await page.setContent('<html><body><img src="data:,"><button></button></body></html>');
    expect(await seriousAccessibilityViolations(page)).not.toEqual([]);
  });

  it('says how to sign in to a visitor without a session', async () => {
    const page = await browser.newPage({ locale: 'en-US' });
    await page.goto(`${origin}/console/`);
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
  });
});
