import type { WebhookLimits } from './webhookLimits';

export interface SlotLimits {
  /** Attempts in flight at once, in all (DELIVERY_CONCURRENCY). */
  concurrency: number;
  /** Attempts in flight that started less than a second ago (DELIVERY_CONCURRENCY_FIRST_SECOND). */
  firstSecondConcurrency: number;
  /** Each webhook's limit (slow start), and the share of it the ingest's handoff may take. */
  webhookLimits: WebhookLimits;
}

/**
 * The worker's slot bookkeeping: attempts in flight, in all and per webhook, and which webhooks
 * may have deliveries waiting for one of their slots, so that the end of an attempt wakes a claim
 * only when a claim can find something. Every rule about who may start an attempt is here; the
 * worker only asks.
 */
export class DeliverySlots {
  private inFlight = 0;
  private readonly byWebhook = new Map<string, number>();
  // Webhooks that may have due deliveries waiting for one of their slots: refused a handoff, or
  // given deliveries by the last claim (a backlog may hold more). An attempt that ends for one of
  // them, or while the whole worker was full, should wake a claim; others should not, so that
  // claims that can find nothing (beside hung endpoints' backlogs) are not repeated at every answer.
  private readonly mayHaveWaiting = new Set<string>();
  private waitingForAnySlot = false;
  // Set when the handoff refused a delivery whose webhook still has its claims' slot free.
  private refusedClaimable = false;
  private idle: (() => void)[] = [];

  constructor(
    private readonly limits: SlotLimits,
    /** Attempts in flight for over a second, which no longer count against the first-second budget. */
    private readonly unansweredCount: () => number,
  ) {}

  /** Attempts that may start now: within the concurrency, and within the first-second budget. */
  free(): number {
    const { concurrency, firstSecondConcurrency } = this.limits;
    return Math.min(concurrency - this.inFlight, firstSecondConcurrency - (this.inFlight - this.unansweredCount()));
  }

  /** Whether the webhook has a slot of its whole limit free (the handoff's, the claims', or a test send's). */
  hasFreeSlot(webhookId: string): boolean {
    return (this.byWebhook.get(webhookId) ?? 0) < this.limits.webhookLimits.of(webhookId);
  }

  /** In flight per webhook, as a claim counts them. */
  inFlightForClaim(): ReadonlyMap<string, number> {
    return this.limits.webhookLimits.inFlightAsClaimed(this.byWebhook);
  }

  /** A slot for a fresh delivery from the ingest's commit: within the handoff's share of the webhook's limit. */
  reserveForHandoff(webhookId: string): boolean {
    if (this.free() <= 0) {
      this.waitingForAnySlot = true;
      return false;
    }
    if ((this.byWebhook.get(webhookId) ?? 0) >= this.limits.webhookLimits.handoffRoom(webhookId)) {
      this.mayHaveWaiting.add(webhookId);
      if (this.hasFreeSlot(webhookId)) this.refusedClaimable = true;
      return false;
    }
    this.take(webhookId);
    return true;
  }

  /** A slot for a test send: any free one of the webhook's limit, the claims' included; none while it is in use. */
  reserveTestSend(webhookId: string): boolean {
    if (this.free() <= 0 || !this.hasFreeSlot(webhookId)) return false;
    this.take(webhookId);
    return true;
  }

  /** A slot for a delivery a claim gave; its webhook may have more waiting. */
  takeClaimed(webhookId: string): void {
    this.mayHaveWaiting.add(webhookId);
    this.take(webhookId);
  }

  /** Gives back a slot: a reserved one whose commit failed, or one whose attempt has ended. */
  release(webhookId: string): void {
    this.inFlight--;
    const left = (this.byWebhook.get(webhookId) ?? 1) - 1;
    if (left === 0) this.byWebhook.delete(webhookId);
    else this.byWebhook.set(webhookId, left);
    if (this.inFlight === 0) for (const done of this.idle.splice(0)) done();
  }

  /**
   * Before a claim: it can serve every marked webhook with a free slot, so those are unmarked (and
   * marked again if it gives them deliveries); one at its whole limit gets nothing from it and stays
   * marked, or the deliveries its handoff refused would wait for a poll.
   */
  beforeClaim(): void {
    for (const webhookId of this.mayHaveWaiting) if (this.hasFreeSlot(webhookId)) this.mayHaveWaiting.delete(webhookId);
    this.waitingForAnySlot = false;
  }

  /** The worker had no free slot, or a claim filled every one: any attempt's end should wake a claim. */
  markFull(): void {
    this.waitingForAnySlot = true;
  }

  get full(): boolean {
    return this.waitingForAnySlot;
  }

  /** Whether the end of an attempt to this webhook should wake a claim. */
  wakesOnEnd(webhookId: string): boolean {
    return this.waitingForAnySlot || this.mayHaveWaiting.has(webhookId);
  }

  /** Whether a handoff refused a delivery a claim could take at once (read once). */
  takeRefusedClaimable(): boolean {
    const claimable = this.refusedClaimable;
    this.refusedClaimable = false;
    return claimable;
  }

  /** Resolves once no attempt is in flight. */
  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private take(webhookId: string): void {
    this.inFlight++;
    this.byWebhook.set(webhookId, (this.byWebhook.get(webhookId) ?? 0) + 1);
  }
}
