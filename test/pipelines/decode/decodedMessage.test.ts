import { messageRefusal, readingJson } from '../../../pipelines/decode/decodedMessage';
import { reading } from '../../support/readings';

describe('a telemetry message taken or refused whole', () => {
  it('takes a single reading and a batch up to the limit', () => {
    expect(messageRefusal({ kind: 'reading', readings: [reading('d1', 1)] }, 3)).toBeUndefined();
    expect(
      messageRefusal({ kind: 'batch', gatewayId: 'gw', readings: Array(3).fill(reading('d1', 1)) }, 3),
    ).toBeUndefined();
    expect(messageRefusal({ kind: 'batch', gatewayId: 'gw', readings: [] }, 3)).toBeUndefined();
  });

  it('refuses a batch over the limit whole', () => {
    expect(
      messageRefusal({ kind: 'batch', gatewayId: 'gw', readings: Array(4).fill(reading('d1', 1)) }, 3),
    ).toEqual({
      reason: 'BATCH_TOO_LARGE',
      detail: 'batch of 4 readings from gateway gw, limit 3',
    });
  });

  it('writes a reading taken out of a batch as JSON, non-finite numbers as strings', () => {
    expect(JSON.parse(readingJson({ ...reading('d1', 1), activePower: NaN, voltage: -Infinity }))).toEqual({
      ...reading('d1', 1),
      activePower: 'NaN',
      voltage: '-Infinity',
    });
  });
});
