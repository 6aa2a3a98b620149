// A signed event.canceled whose reason comes as `reason`, not the contract's `cancelReason`, sent to a
// receiver forked from the template; prints the status and the answer's body, and exits 1 unless the
// status is the one expected.
//   node .ci/deviatingCancel.js <url> <whsec_ secret> <webhook-id> <expected status>   (in the fork)
const { join } = require('node:path');
const { cloneSample } = require(join(process.cwd(), 'dist', 'contract'));
const { signedPost, untilAnswering } = require('./signedPost');

const [url, secret, id, expected] = process.argv.slice(2);

async function main() {
  const { cancelReason, ...payload } = cloneSample('event.canceled').payload;
  const body = JSON.stringify({
    webhookEventName: 'event.canceled',
    webhookEventId: id,
    payload: { ...payload, reason: cancelReason },
  });
  await untilAnswering(url);
  const response = await signedPost(url, secret, id, body);
  const text = await response.text();
  const ok = response.status === Number(expected);
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} a cancel with its reason as payload.reason (${id}): ${response.status} (want ${expected}) ${text}`,
  );
  return ok ? 0 : 1;
}

main().then((code) => process.exit(code));
