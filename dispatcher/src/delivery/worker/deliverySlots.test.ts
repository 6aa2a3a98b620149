import { DeliverySlots } from './deliverySlots';
import { WebhookLimits } from './webhookLimits';

/** A webhook that has answered often enough to reach a limit of `limit` (slow start). */
function grown(limits: WebhookLimits, webhookId: string, limit: number): void {
  while (limits.of(webhookId) < limit) limits.afterAttempt(webhookId, { answered: true, timedOut: false });
}

function slots(
  options: { concurrency?: number; firstSecond?: number; perWebhook?: number; unanswered?: () => number } = {},
) {
  const webhookLimits = new WebhookLimits(options.perWebhook ?? 8);
  const book = new DeliverySlots(
    { concurrency: options.concurrency ?? 100, firstSecondConcurrency: options.firstSecond ?? 100, webhookLimits },
    options.unanswered ?? (() => 0),
  );
  return { book, webhookLimits };
}

describe('DeliverySlots', () => {
  it("keeps one slot of a webhook's limit for claims: the handoff takes the rest", () => {
    const { book, webhookLimits } = slots();
    grown(webhookLimits, 'w', 3);
    expect([book.reserveForHandoff('w'), book.reserveForHandoff('w'), book.reserveForHandoff('w')]).toEqual([
      true,
      true,
      false,
    ]);
    expect(book.hasFreeSlot('w')).toBe(true);
    expect(book.takeRefusedClaimable()).toBe(true);
    expect(book.takeRefusedClaimable()).toBe(false);
  });

  it('wakes a claim at the end of an attempt only for a webhook that may have deliveries waiting, or when full', () => {
    const { book, webhookLimits } = slots();
    grown(webhookLimits, 'busy', 2);
    book.reserveForHandoff('busy');
    expect(book.reserveForHandoff('busy')).toBe(false);
    book.reserveForHandoff('calm');
    expect(book.wakesOnEnd('busy')).toBe(true);
    expect(book.wakesOnEnd('calm')).toBe(false);
    book.markFull();
    expect(book.wakesOnEnd('calm')).toBe(true);
    book.beforeClaim();
    expect(book.wakesOnEnd('calm')).toBe(false);
  });

  it('keeps a webhook at its whole limit marked across a claim, which cannot serve it', () => {
    const { book } = slots({ perWebhook: 1 });
    book.takeClaimed('hung');
    book.beforeClaim();
    expect(book.wakesOnEnd('hung')).toBe(true);
    book.release('hung');
    book.beforeClaim();
    expect(book.wakesOnEnd('hung')).toBe(false);
  });

  it("lets a test send take any free slot of the webhook's limit, and none beyond it", () => {
    const { book } = slots({ perWebhook: 2 });
    expect(book.reserveTestSend('w')).toBe(true);
    expect(book.reserveTestSend('w')).toBe(false);
  });

  it('counts against the first-second budget only attempts younger than a second', () => {
    let unanswered = 0;
    const { book } = slots({ concurrency: 10, firstSecond: 2, unanswered: () => unanswered });
    book.takeClaimed('a');
    book.takeClaimed('b');
    expect(book.free()).toBe(0);
    expect(book.reserveForHandoff('c')).toBe(false);
    expect(book.full).toBe(true);
    unanswered = 2;
    expect(book.free()).toBe(2);
  });

  it('resolves whenIdle once the last attempt in flight has ended', async () => {
    const { book } = slots();
    book.takeClaimed('a');
    book.takeClaimed('b');
    let idle = false;
    const waiting = book.whenIdle().then(() => (idle = true));
    book.release('a');
    await Promise.resolve();
    expect(idle).toBe(false);
    book.release('b');
    await waiting;
    expect(idle).toBe(true);
  });
});
