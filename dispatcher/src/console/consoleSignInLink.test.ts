import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { browserAvailable, seriousAccessibilityViolations } from '../testing/browser';
import { startConsoleRig, type ConsoleRig, type Language } from '../testing/consoleRig';

// A one-time link in a real headless Chromium: what previews and scanners fetch uses nothing, the
// person's Sign in button uses it, and a spent link's page says how a developer gets another.
const describeInBrowser = browserAvailable() ? describe : describe.skip;
const run = promisify(execFile);

let rig: ConsoleRig;

const words = {
  en: {
    signIn: 'Sign in',
    page: 'Sign in to the console',
    console: 'Webhooks',
    refused: 'This sign-in link cannot be used',
  },
  ja: {
    signIn: 'サインイン',
    page: 'コンソールにサインイン',
    console: 'Webhook',
    refused: 'このサインインリンクは使えません',
  },
};

describeInBrowser('a one-time console link', () => {
  beforeAll(async () => {
    rig = await startConsoleRig(() => ({ status: 200 }));
  });
  afterAll(async () => rig?.close());

  it.each(['en', 'ja'] as Language[])(
    'survives a chat preview and a mail scanner, and signs in only from its button (%s)',
    async (language) => {
      const teamId = `link-${language}`;
      await rig.dispatcher.createTeam(teamId);
      const link = await rig.consoleLink(teamId);
      const said = words[language];

      // A chat app's preview (HEAD, then GET) and a mail scanner that renders the page in a browser.
      const head = await fetch(link, { method: 'HEAD', headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } });
      const preview = await fetch(link, { headers: { 'user-agent': 'Slackbot-LinkExpanding 1.0' } });
      expect([head.status, preview.status, preview.headers.get('set-cookie')]).toEqual([200, 200, null]);
      const scanner = await rig.browser.newPage();
      await scanner.goto(link);
      await scanner.getByRole('heading', { name: words.en.page }).waitFor();
      await scanner.close();

      const context = await rig.browser.newContext({ locale: language === 'ja' ? 'ja-JP' : 'en-US' });
      const page = await context.newPage();
      await page.goto(link);
      await page.getByRole('heading', { name: said.page }).waitFor();
      expect(await page.locator('main strong').textContent()).toBe(`Team ${teamId}`);
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await page.getByRole('button', { name: said.signIn }).click();
      await page.getByRole('heading', { name: said.console, level: 1 }).waitFor();

      // Spent: the page says why, and gives the internal API's command for a new link, which works.
      const answer = await page.goto(link);
      expect(answer?.status()).toBe(403);
      await page.getByRole('heading', { name: said.refused }).waitFor();
      expect(await page.locator('.problem').textContent()).toBe(
        language === 'en'
          ? 'It has already been used: a sign-in link works once.'
          : 'このリンクはすでに使われました。サインインリンクは一度だけ使えます。',
      );
      const text = (await page.locator('main').textContent()) ?? '';
      expect(text).not.toMatch(/settings in Spir|チーム設定/);
      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      const command = (await page.locator('pre code').textContent()) ?? '';
      expect(command).toContain(`${rig.dispatcher.internalUrl}/internal/v1/teams/${teamId}/console-links`);
      const { stdout } = await run('sh', ['-c', command], {
        env: { PATH: process.env.PATH, INTERNAL_API_TOKEN: rig.dispatcher.internalApiToken },
      });
      const fresh = (JSON.parse(stdout) as { url: string }).url.replace(rig.dispatcher.url, rig.origin);
      await page.goto(fresh);
      await page.getByRole('button', { name: said.signIn }).click();
      await page.getByRole('heading', { name: said.console, level: 1 }).waitFor();
      await context.close();
    },
    60_000,
  );
});
