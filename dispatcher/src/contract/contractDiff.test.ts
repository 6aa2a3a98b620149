import { cloneSample, shapeOf } from '@spir-webhooks/shared-types';
import type { ObservedPath } from './contractRoutes';
import { diffContract, renderContractDiff } from './contractDiff';

/** The observed shape of one event, as the route answers it. */
function observedOf(event: unknown): ObservedPath[] {
  return [...shapeOf(event)].map(([path, types]) => ({
    path,
    types: [...types],
    count: 1,
    firstSeen: '2026-12-07T00:00:00.000Z',
    lastSeen: '2026-12-07T00:00:00.000Z',
  }));
}

describe('diffContract', () => {
  it('finds nothing to report for the samples of the contract', () => {
    const [diff] = diffContract({ 'event.confirmed': observedOf(cloneSample('event.confirmed')) });
    expect(diff).toMatchObject({ onlyInTraffic: [], neverCarried: [], typeMismatches: [] });
    expect(renderContractDiff([diff!])).toContain('agree on every required path');
  });

  it('reports a renamed cancel field both ways: carried but unknown, and required but never carried', () => {
    const event = cloneSample('event.canceled');
    const { cancelReason, ...payload } = event.payload;
    const [diff] = diffContract({
      'event.canceled': observedOf({ ...event, payload: { ...payload, reason: cancelReason } }),
    });
    expect(diff!.onlyInTraffic.map((p) => p.path)).toEqual(['payload.reason']);
    expect(diff!.neverCarried).toEqual(['payload.cancelReason']);
    const report = renderContractDiff([diff!]);
    expect(report).toContain('+ payload.reason: string');
    expect(report).toContain('- payload.cancelReason');
  });

  it('reports a field carried with another JSON type', () => {
    const event = cloneSample('form.answered') as unknown as { payload: Record<string, unknown> };
    event.payload.answeredAt = 1_765_000_000;
    const [diff] = diffContract({ 'form.answered': observedOf(event) });
    expect(diff!.typeMismatches).toEqual([{ path: 'payload.answeredAt', contract: ['string'], traffic: ['number'] }]);
  });

  it('takes any key under a free-keyed object such as utmParameters', () => {
    const event = cloneSample('event.confirmed');
    event.payload.utmParameters = { utm_new_key: 'x' };
    const [diff] = diffContract({ 'event.confirmed': observedOf(event) });
    expect(diff!.onlyInTraffic).toEqual([]);
  });

  it('marks an event name the contract does not know', () => {
    const [diff] = diffContract({ 'form.deleted': observedOf({ webhookEventName: 'form.deleted', payload: {} }) });
    expect(diff!.unknownEvent).toBe(true);
    expect(renderContractDiff([diff!])).toContain('not in the contract');
  });
});
