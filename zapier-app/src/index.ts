import { version as platformVersion, type App, type Trigger } from 'zapier-platform-core';
import { addApiKey, explainErrors } from './api';
import { authentication } from './authentication';
import { eventCanceled } from './triggers/eventCanceled';
import { eventConfirmed } from './triggers/eventConfirmed';
import { formAnswered } from './triggers/formAnswered';
import { availabilityLinks } from './triggers/availabilityLinks';

// package.json sits outside rootDir, so it is read at run time rather than imported.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('../package.json') as { version: string };

/**
 * The Zapier app: assembled here, defined in the files it imports, checked against core's own
 * `App` type (`satisfies`, so that tests keep the precise types of each operation).
 */
export default {
  version,
  platformVersion,
  authentication,
  beforeRequest: [addApiKey],
  afterResponse: [explainErrors],
  triggers: {
    [eventConfirmed.key]: eventConfirmed,
    [eventCanceled.key]: eventCanceled,
    [formAnswered.key]: formAnswered,
    [availabilityLinks.key]: availabilityLinks,
  },
} satisfies App<Record<string, Trigger>>;
