// A signed event.canceled whose reason comes as `reason`, not the contract's `cancelReason`, sent to a
// receiver forked from the template; prints the status and the answer's body, and exits 1 unless the
// status is the one expected.
//   node .ci/deviatingCancel.js <url> <whsec_ secret> <webhook-id> <expected status>   (in the fork)
const { join } = require('node:path');
const { Webhook } = require(join(process.cwd(), 'node_modules', 'standardwebhooks'));
const { cloneSample } = require(join(process.cwd(), 'dist', 'contract'));

const [url, secret, id, expected] = process.argv.slice(2);

async function main() {
  const { cancelReason, ...payload } = cloneSample('event.canceled').payload;
  const body = JSON.stringify({
    webhookEventName: 'event.canceled',
    webhookEventId: id,
    payload: { ...payload, reason: cancelReason },
  });
  const at = new Date();
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
  // Until the server answers (at most a minute).
  for (let i = 0; i < 600; i++) {
    try {
      await fetch(url);
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  const ok = response.status === Number(expected);
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} a cancel with its reason as payload.reason (${id}): ${response.status} (want ${expected}) ${text}`,
  );
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code));
