import { Hono } from 'hono';
import { handle } from 'hono/aws-lambda';
import receiver from './fetch';

// The receiver on AWS Lambda behind a function URL or API Gateway (HTTP API, payload 2.0): the
// fetch handler, configured by the function's environment (WEBHOOK_SECRET, WEBHOOK_PATH). Ids are
// remembered per warm instance only (README, "Idempotency at the edge").
const app = new Hono();
app.all('*', (c) => receiver.fetch(c.req.raw));

export const handler = handle(app);
