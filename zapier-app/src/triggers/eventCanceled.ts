import { makeHookTrigger } from './hookTrigger';

export const eventCanceled = makeHookTrigger('event.canceled', {
  key: 'event_canceled',
  noun: 'Event',
  label: 'Event Canceled',
  description: "Triggers when a meeting confirmed through one of your team's template availability URLs is canceled.",
});
