// What .ci/signedRequests.js and .ci/deviatingCancel.js share: a Standard Webhooks signed POST made
// with the fork's own `standardwebhooks`, and a wait until the fork's server answers.
const { join } = require('node:path');
const { Webhook } = require(join(process.cwd(), 'node_modules', 'standardwebhooks'));

/** POSTs `body` (a string) signed with `secret` under webhook-id `id`; resolves to the fetch Response. */
function signedPost(url, secret, id, body) {
  const at = new Date();
  const headers = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
  return fetch(url, { method: 'POST', headers, body });
}

/** Resolves once the server at `url` answers anything (at most a minute). */
async function untilAnswering(url) {
  for (let i = 0; i < 600; i++) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

module.exports = { signedPost, untilAnswering };
