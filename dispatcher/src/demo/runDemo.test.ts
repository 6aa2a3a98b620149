import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// `npm run demo` end to end (npm test builds it first): two real processes, real HTTPS, a real
// SQLite file and the .eml outbox.
it('runs the demo from the first event to the failure email in the outbox', async () => {
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve) => {
    execFile(
      process.execPath,
      [join(__dirname, '..', '..', 'dist', 'demo', 'runDemo.js')],
      { env: { PATH: process.env.PATH }, timeout: 90_000 },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : Number(error.code), output: stdout + stderr }),
    );
  });
  expect(output).toContain('The receiver verified and handled all three events');
  expect(output).toMatch(/signed with another secret: it answered 401/);
  expect(output).toMatch(/succeeded on attempt 3, after the endpoint recovered/);
  expect(output.match(/ {2}attempt \d: HTTP 503/g)).toHaveLength(2 + 5);
  expect(output).toContain('Subject: 【Spir】Webhook Transmission Failed');
  expect(output).toContain('To: owner@broken.example.com, ops@broken.example.com');
  expect(output).toContain('Demo complete.');
  expect(code).toBe(0);
  const folder = /Working in (\S+)/.exec(output)?.[1];
  expect(folder).toBeDefined();
  expect(existsSync(folder!)).toBe(false);
}, 100_000);
