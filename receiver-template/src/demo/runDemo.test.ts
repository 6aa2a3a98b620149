import { execFile } from 'node:child_process';
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
  expect(output.match(/ {2}attempt \d: HTTP 503/g)).toHaveLength(5);
  expect(output).toContain('Subject: 【Spir】Webhook Transmission Failed');
  expect(output).toContain('To: owner@broken.example.com, ops@broken.example.com');
  expect(output).toContain('Demo complete.');
  expect(code).toBe(0);
}, 100_000);
