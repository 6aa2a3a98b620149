import { ClaimMemory } from '../claimMemory';
import type { ClaimOptions } from '../storeQueueTypes';
import { planClaim, planSeeks, seeksEachWebhook, windowCountMatters, withLeasesOfOthers } from './claimPlan';

const options = (limit: number, inFlight: [string, number][] = []): ClaimOptions => ({
  workerId: 'w',
  now: 10_000,
  leaseUntil: 70_000,
  limit,
  perWebhookLimit: 2,
  inFlightByWebhook: new Map(inFlight),
  limitByWebhook: new Map(),
});

describe('how a claim chooses', () => {
  it('reads a window of four times the claim, whatever its size', () => {
    expect(planClaim(options(1), new ClaimMemory()).window).toBe(4);
    expect(planClaim(options(200), new ClaimMemory()).window).toBe(800);
  });

  it('seeks per webhook only when the window left room in the claim and was full, and then skips it for a second', () => {
    const memory = new ClaimMemory();
    const plan = planClaim(options(5), memory);
    expect(windowCountMatters(plan, 5)).toBe(false);
    expect(windowCountMatters(plan, 4)).toBe(true);
    expect(seeksEachWebhook(plan, memory, 10_000, undefined)).toBe(false);
    expect(seeksEachWebhook(plan, memory, 10_000, 19)).toBe(false);
    expect(planClaim(options(5), memory).readsWindow).toBe(true);
    expect(seeksEachWebhook(plan, memory, 10_000, 20)).toBe(true);
    const skipping = planClaim(options(5), memory);
    expect(skipping.readsWindow).toBe(false);
    expect(windowCountMatters(skipping, 0)).toBe(false);
    expect(seeksEachWebhook(skipping, memory, 10_000)).toBe(true);
    expect(planClaim({ ...options(5), now: 11_000 }, memory).readsWindow).toBe(true);
  });

  it("counts the window's deliveries and other workers' leases against each webhook's room", () => {
    const plan = withLeasesOfOthers(planClaim(options(10, [['a', 1]]), new ClaimMemory()), [
      ['a', 1],
      ['b', 1],
    ]);
    expect(plan.inFlight).toEqual(
      new Map([
        ['a', 2],
        ['b', 1],
      ]),
    );
    const seeks = planSeeks(plan, ['b', 'c']);
    expect(seeks).toEqual({
      limit: 8,
      inFlight: new Map([
        ['a', 2],
        ['b', 2],
        ['c', 1],
      ]),
      saturated: ['a', 'b'],
      mostRoom: 2,
    });
  });

  it('gives a webhook whose slow-start limit grew the room of that limit', () => {
    // WebhookLimits.inFlightAsClaimed: a limit of five against the claim's two, one in flight.
    const seeks = planSeeks(planClaim(options(10, [['grown', -2]]), new ClaimMemory()), []);
    expect(seeks.mostRoom).toBe(4);
    expect(seeks.saturated).toEqual([]);
  });
});
