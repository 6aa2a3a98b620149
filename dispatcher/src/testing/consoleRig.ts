import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { cloneSample, type WebhookEventName } from '@spir-webhooks/shared-types';
import { createThrowawayCa } from '@spir-webhooks/shared-types/testing';
import { launchChromium } from './browser';
import { startHttpsReceiver, type HttpsReceiver } from './httpsReceiver';
import { startTestDispatcher, type TestDispatcher } from './testDispatcher';

export type Language = 'en' | 'ja';
/** The two widths every page is checked at: a laptop, and a phone (390 px, an iPhone's). */
export const widths = { desktop: 1280, phone: 390 } as const;

/** The console in a real headless Chromium, against a real dispatcher and a real HTTPS receiver. */
export interface ConsoleRig {
  receiver: HttpsReceiver;
  dispatcher: TestDispatcher;
  browser: Browser;
  /** The dispatcher as http://localhost:<port>: a secure context, where the Secure cookie is kept. */
  origin: string;
  receiverUrl(path: string): string;
  consoleLink(teamId: string): Promise<string>;
  /** One event for the team's template links; returns its first delivery's id. */
  ingest(teamId: string, name: WebhookEventName, id: string, payload?: Record<string, unknown>): Promise<string>;
  signedIn(
    teamId: string,
    options?: { language?: Language; width?: number },
  ): Promise<{ context: BrowserContext; page: Page; link: string }>;
  /** With SCREENSHOTS_DIR set (docs/console), writes the README's screenshots. */
  screenshot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startConsoleRig(
  answer: HttpsReceiver['answer'],
  /** Settings beside the rig's own (three attempts 0.2 s apart), e.g. `MAX_RETRIES`. */
  env: Record<string, string> = {},
): Promise<ConsoleRig> {
  const ca = await createThrowawayCa();
  const receiver = await startHttpsReceiver(ca, ['receiver.test']);
  receiver.answer = answer;
  const dispatcher = await startTestDispatcher(
    { WEBHOOK_RESOLVE: 'receiver.test:127.0.0.1', RETRY_INTERVAL_SECONDS: '0.2', MAX_RETRIES: '2', ...env },
    { ca: [ca.caCert] },
  );
  const origin = dispatcher.url.replace('127.0.0.1', 'localhost');
  const browser = await launchChromium();

  const consoleLink = async (teamId: string) => {
    const { status, body } = await dispatcher.call('POST', `/internal/v1/teams/${teamId}/console-links`);
    if (status !== 201) throw new Error(`console link for ${teamId}: HTTP ${status}`);
    return (body.url as string).replace(dispatcher.url, origin);
  };
  return {
    receiver,
    dispatcher,
    browser,
    origin,
    receiverUrl: (path) => `https://receiver.test:${receiver.port}${path}`,
    consoleLink,
    async ingest(teamId, name, id, payload = {}) {
      const sample = cloneSample(name);
      const event = { ...sample, webhookEventId: id, payload: { ...sample.payload, ...payload } };
      const { body } = await dispatcher.call('POST', '/internal/v1/events', {
        body: { teamId, urlKind: 'template', event },
      });
      return body.deliveries[0] as string;
    },
    async signedIn(teamId, { language = 'en', width = widths.desktop } = {}) {
      const context = await browser.newContext({
        locale: language === 'ja' ? 'ja-JP' : 'en-US',
        viewport: { width, height: 900 },
      });
      const page = await context.newPage();
      const link = await consoleLink(teamId);
      await page.goto(link);
      await page.getByRole('button', { name: language === 'ja' ? 'サインイン' : 'Sign in' }).click();
      await page.getByRole('heading', { name: language === 'ja' ? 'Webhook' : 'Webhooks', level: 1 }).waitFor();
      return { context, page, link };
    },
    async screenshot(page, name) {
      const folder = process.env.SCREENSHOTS_DIR;
      if (folder === undefined) return;
      mkdirSync(folder, { recursive: true });
      await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true });
    },
    async close() {
      await browser.close();
      await dispatcher.close();
      await receiver.close();
    },
  };
}

/** Whether anything on the page is wider than the viewport (what a phone would scroll sideways). */
export async function overflowsViewport(page: Page): Promise<boolean> {
  // Runs in the page; the dispatcher's compiler has no DOM types, so the page's globals are typed here.
  return page.evaluate(() => {
    const { document, innerWidth } = globalThis as unknown as {
      document: { documentElement: { scrollWidth: number } };
      innerWidth: number;
    };
    return document.documentElement.scrollWidth > innerWidth;
  });
}
