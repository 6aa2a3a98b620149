import { contractShapeOf, shapeOf } from './jsonShape';

describe('shapeOf', () => {
  it('lists every path with its JSON types, array items as [], and no value', () => {
    const shape = shapeOf({ a: { b: 'secret' }, list: [{ c: 1 }, { c: null }], n: true });
    expect(Object.fromEntries([...shape].map(([path, types]) => [path, [...types]]))).toEqual({
      a: ['object'],
      'a.b': ['string'],
      list: ['array'],
      'list[]': ['object'],
      'list[].c': ['number', 'null'],
      n: ['boolean'],
    });
  });
});

describe('contractShapeOf', () => {
  it("names the cancel's reconstructed fields as required strings, and utmParameters' free keys", () => {
    const canceled = contractShapeOf('event.canceled');
    expect(canceled.get('payload.cancelReason')).toEqual({ types: ['string'], required: true });
    expect(canceled.get('payload.invitee.language')).toEqual({ types: ['string'], required: false });
    expect(contractShapeOf('event.confirmed').get('payload.utmParameters')).toMatchObject({ anyKeys: true });
  });
});
