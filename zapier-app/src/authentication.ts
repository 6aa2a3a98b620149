import type { Authentication, Bundle, ZObject } from 'zapier-platform-core';
import { getJson } from './api';

/** Custom authentication: one field, the team API key issued by Spir. */
export const authentication = {
  type: 'custom' as const,
  fields: [
    {
      key: 'apiKey',
      label: 'API Key',
      type: 'password' as const,
      required: true,
      helpText: 'Your Spir team API key (it starts with `spk_`). A Spir team administrator can create one.',
    },
  ],
  test: async (z: ZObject, _bundle: Bundle) => getJson<{ teamId: string; name: string }>(z, '/v1/me'),
  // bundle.inputData holds what `test` returned: the team.
  connectionLabel: async (_z: ZObject, bundle: Bundle) => {
    const { name, teamId } = bundle.inputData as { name?: string; teamId?: string };
    return name ?? teamId ?? 'Spir';
  },
} satisfies Authentication;
