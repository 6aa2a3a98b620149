import { Router } from 'express';
import { z } from 'zod';
import { generateWebhookSecret } from '@spir-webhooks/shared-types';
import type { DispatcherContext } from '../context';
import { parseInput } from '../http/apiError';
import { requireFullScope, teamOf } from '../http/auth';
import { findTeamWebhook, webhookJson, webhookNotFound } from './webhookRoutes';
import { currentSecrets, previousSecretValidityMs } from '../store/webhookSecrets';

export const rotateBody = z.strictObject({
  /** End the old secret now (it leaked, say) instead of letting it sign alongside for 24 h. */
  expireCurrentNow: z.boolean({ error: 'expireCurrentNow must be true or false' }).default(false),
});

/** A webhook's signing secrets: revealed to full-scope keys only, and rotated. */
export function webhookSecretRoutes(context: DispatcherContext): Router {
  const { webhooks, failing, now, secretBox } = context;
  const router = Router();

  router.get('/webhooks/:id/secret', requireFullScope, async (req, res) => {
    const webhook = await findTeamWebhook(context, teamOf(req).team_id, String(req.params.id));
    const at = now();
    const [current, previous] = currentSecrets(webhook, at);
    const expiresAt = webhook.previous_secret_expires_at;
    res.json({
      secrets: [
        { secret: secretBox.open(current!), expiresAt: null },
        ...(previous === undefined || expiresAt === null
          ? []
          : [{ secret: secretBox.open(previous), expiresAt: new Date(expiresAt).toISOString() }]),
      ],
    });
  });

  router.post('/webhooks/:id/rotate-secret', async (req, res) => {
    const { expireCurrentNow } = parseInput(rotateBody, req.body ?? {}, 'rotation');
    const secret = generateWebhookSecret();
    const at = now();
    const rotated =
      (await webhooks.rotateWebhookSecret(
        teamOf(req).team_id,
        req.params.id,
        secretBox.seal(secret),
        expireCurrentNow ? at : at + previousSecretValidityMs,
      )) ?? webhookNotFound(req.params.id);
    const states = await failing.statesOfTeam(teamOf(req).team_id);
    res.json({ ...webhookJson(rotated, at, states.get(rotated.id)), secret });
  });

  return router;
}
