import { version as platformVersion } from 'zapier-platform-core';
import { addApiKey, explainErrors } from './api';
import { authentication } from './authentication';
import { eventCanceled } from './triggers/eventCanceled';
import { eventConfirmed } from './triggers/eventConfirmed';
import { formAnswered } from './triggers/formAnswered';

const { version } = require('../package.json') as { version: string };

/** The Zapier app: assembled here, defined in the files it imports. */
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
  },
};
