import { makeHookTrigger } from './hookTrigger';

export const eventConfirmed = makeHookTrigger('event.confirmed', {
  key: 'event_confirmed',
  noun: 'Event',
  label: 'Event Confirmed',
  description: "Triggers when a meeting is confirmed through one of your team's template availability URLs.",
});
