import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkWebhookUrl } from './webhookUrlRules';

// The URL shapes docs/integrations.md tells people to register: each must pass Spir's URL rules,
// and each must be in the document as written here.
const documented = readFileSync(join(__dirname, '..', '..', 'docs', 'integrations.md'), 'utf8');

describe('the integration platforms’ URL shapes in docs/integrations.md', () => {
  it.each([
    ['Make', 'https://hook.eu1.make.com/abcdefghijklmnopqrstuvwxyz123456'],
    ['n8n', 'https://n8n.example.com/webhook/spir'],
    ['n8n Cloud', 'https://yourname.app.n8n.cloud/webhook/spir'],
    ['IFTTT', 'https://maker.ifttt.com/trigger/spir_confirmed/json/with/key/<your key>'],
  ])('%s: %s is accepted by the URL rules', (_platform, url) => {
    expect(documented).toContain(url);
    const check = checkWebhookUrl(url.replace('<your key>', 'dAbCdEfGhIjKlMnOp1234'));
    expect(check).toMatchObject({ ok: true });
  });
});
