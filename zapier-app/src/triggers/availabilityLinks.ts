import type { Bundle, Trigger, ZObject } from 'zapier-platform-core';
import type { AvailabilityLinksAnswer } from '@spir-webhooks/shared-types';
import { getJson } from '../api';

/**
 * A hidden trigger that feeds the availability-link dropdown: the team's links seen in its
 * events (`GET /v1/availability-links`), labelled with their private titles.
 */
export const availabilityLinks = {
  key: 'availability_links',
  noun: 'Availability Link',
  display: {
    label: 'Availability Links',
    description: "Lists your team's availability links for the triggers' dropdown.",
    hidden: true,
  },
  operation: {
    type: 'polling' as const,
    perform: async (z: ZObject) => {
      const { data } = await getJson<AvailabilityLinksAnswer>(z, '/v1/availability-links');
      return data.map((link) => ({ id: link.linkId, ...link }));
    },
    sample: {
      id: '01J8MENSETSU1',
      linkId: '01J8MENSETSU1',
      originalUrl: 'https://app.spirinc.com/t/01HZX3TEAM7Q/as/01J8MENSETSU1/confirm',
      privateTitle: '採用面接（一次）',
      lastEventAt: '2026-11-20T05:32:05.000Z',
    },
  },
} satisfies Trigger;

/** The optional field of every event trigger: run the Zap for one availability link only. */
export const availabilityLinkField = {
  key: 'availability_link',
  label: 'Availability Link',
  required: false,
  dynamic: 'availability_links.linkId.privateTitle',
  helpText:
    "Run this Zap only for events of one availability link. Leave it empty for all of your team's template links. A link appears here once it has had an event.",
};

export function selectedLink(bundle: Bundle): string | undefined {
  const value = (bundle.inputData as { availability_link?: unknown } | undefined)?.availability_link;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
