import { makeHookTrigger } from './hookTrigger';

export const formAnswered = makeHookTrigger('form.answered', {
  key: 'form_answered',
  noun: 'Form Answer',
  label: 'Form Answered',
  description: "Triggers when the form of one of your team's template availability URLs is answered.",
});
