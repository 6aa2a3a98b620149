// Signed Spir events against a receiver forked from the template: every event type with unknown
// fields → 200, the same event again → 200 (handled once), a forged signature → 401.
//   node .ci/signedRequests.js <url> <whsec_ secret>   (run where the fork's node_modules are)
const { join } = require('node:path');
const { samples } = require(join(process.cwd(), 'dist', 'contract'));
const { signedPost, untilAnswering } = require('./signedPost');

const [url, secret] = process.argv.slice(2);

async function post(id, signWith, event) {
  return (await signedPost(url, signWith, id, JSON.stringify({ ...event, webhookEventId: id }))).status;
}

async function main() {
  await untilAnswering(url);
  const results = [];
  for (const [name, event] of Object.entries(samples)) {
    const withUnknown = { ...event, addedLater: 1, payload: { ...event.payload, newField: 'x' } };
    results.push([`signed ${name}, unknown fields included`, await post(`fork-${name}`, secret, withUnknown), 200]);
  }
  results.push(['the same event again', await post('fork-form.answered', secret, samples['form.answered']), 200]);
  const forger = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  results.push(['a forged signature', await post('fork-forged', forger, samples['form.answered']), 401]);
  let failed = 0;
  for (const [what, got, want] of results) {
    console.log(`${got === want ? 'ok  ' : 'FAIL'} ${what}: ${got} (want ${want})`);
    if (got !== want) failed++;
  }
  return failed === 0 ? 0 : 1;
}

main().then((code) => process.exit(code));
