/** How long claims skip the window once they found it full of webhooks with no room left. */
const fullWindowSkipMs = 1_000;

/**
 * What one claim leaves the next, on either engine: until when the window of oldest due
 * deliveries is not worth reading. Claims read a bounded window of the oldest due deliveries
 * first, then, when that window is full of webhooks with no room left, seek per webhook. Beside
 * hung endpoints' backlogs (the oldest due deliveries, for webhooks with no room) the window would
 * be read in vain at every claim, so once it was found full, claims go straight to the seeks for a
 * second.
 */
export class ClaimMemory {
  private windowFullUntil = 0;

  /** Whether a claim at `now` goes straight to the per-webhook seeks. A clock set back by more than the skip is not believed. */
  skipsWindow(now: number): boolean {
    return now < this.windowFullUntil && this.windowFullUntil - now <= fullWindowSkipMs;
  }

  /** A claim at `now` read the window and found it full. */
  windowWasFull(now: number): void {
    this.windowFullUntil = now + fullWindowSkipMs;
  }
}
