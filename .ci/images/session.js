// The calls of a first session against running dispatcher containers, for the image job. Run
// with node from the repository root, or inside a dispatcher container (`podman exec`, working
// directory /app), where the internal listener is on the container's own loopback.
//   node session.js setup INTERNAL_URL PUBLIC_URL TEAM WEBHOOK_URL   -> {"apiKey","secret","webhookId"}
//   node session.js ingest INTERNAL_URL TEAM                         -> {"webhookEventId","deliveryId"}
//   node session.js delivered PUBLIC_URL API_KEY DELIVERY_ID         -> the delivery once it succeeded
// The internal token comes from INTERNAL_API_TOKEN, else ./data/internal-api-token.
const { readFileSync } = require('node:fs');
const { randomInt } = require('node:crypto');
const { resolve } = require('node:path');

const token = process.env.INTERNAL_API_TOKEN || readFileSync('data/internal-api-token', 'utf8').trim();

async function call(method, url, bearer, body) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${bearer}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} -> ${response.status} ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** A fresh ULID, so that each run's event is new to the dispatcher (it de-duplicates on the id). */
function ulid() {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  let time = Date.now();
  let head = '';
  for (let i = 0; i < 10; i++, time = Math.floor(time / 32)) head = alphabet[time % 32] + head;
  let tail = '';
  for (let i = 0; i < 16; i++) tail += alphabet[randomInt(32)];
  return head + tail;
}

const commands = {
  async setup(internal, api, team, webhookUrl) {
    await call('PUT', `${internal}/internal/v1/teams/${team}`, token, {
      name: team,
      adminEmails: ['ci@example.com'],
    });
    const { apiKey } = await call('POST', `${internal}/internal/v1/teams/${team}/api-keys`, token);
    const webhook = await call('POST', `${api}/v1/webhooks`, apiKey, { url: webhookUrl, event: 'event.confirmed' });
    return { apiKey, secret: webhook.secret, webhookId: webhook.id };
  },
  async ingest(internal, team) {
    // shared-types as built: under the repository root, and under /app in the image alike.
    const { samples } = require(resolve('shared-types/dist/index.js'));
    const event = { ...samples['event.confirmed'], webhookEventId: ulid() };
    const answer = await call('POST', `${internal}/internal/v1/events`, token, {
      teamId: team,
      urlKind: 'template',
      event,
    });
    return { webhookEventId: answer.webhookEventId, deliveryId: answer.deliveries[0] };
  },
  async delivered(api, apiKey, deliveryId) {
    const until = Date.now() + 60_000;
    for (;;) {
      const delivery = await call('GET', `${api}/v1/deliveries/${deliveryId}`, apiKey);
      if (delivery.status === 'succeeded') return { status: delivery.status, attempts: delivery.attempts.length };
      if (Date.now() > until || delivery.status === 'failed') {
        throw new Error(
          `delivery ${deliveryId} is ${delivery.status}: ${JSON.stringify(delivery.attempts).slice(0, 600)}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  },
};

const [command, ...args] = process.argv.slice(2);
commands[command](...args).then(
  (result) => console.log(JSON.stringify(result)),
  (error) => {
    console.error(error.message);
    process.exit(1);
  },
);
