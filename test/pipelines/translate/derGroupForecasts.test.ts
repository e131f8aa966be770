import { gunzipSync } from 'node:zlib';
import {
  ForecastToTranslate,
  isTranslatable,
  toCreatedDerGroupForecasts,
} from '../../../pipelines/translate/derGroupForecasts';
import { textOf, textsOf, XSD } from '../../support/iecRequests';
import { xmllintTexts } from '../../support/xmllint';

const T0 = Date.UTC(2026, 10, 23, 12);

const forecast = (parameter: string, intervalMs = 900_000): ForecastToTranslate => ({
  groupId: 'feeder & 1',
  parameter,
  method: 'seasonalNaive',
  issuedAt: T0,
  intervalMs,
  points: [1, 2, 3].map((n) => ({
    intervalNumber: n,
    start: T0 + n * intervalMs,
    p10: -1e-7 * n,
    p50: 1234.5 * n,
    p90: 3e21,
  })),
});

const header = {
  messageId: '5f0c2a8e-6c1b-4b7e-9a53-1d2f3e4a5b6c',
  timestamp: T0 + 1000,
  source: 'derstream',
};

describe('CreatedDERGroupForecasts', () => {
  it('validates against the draft schema, plain and compressed, with P10/P50/P90 as min/nominal/max', () => {
    const forecasts = [forecast('activePower'), forecast('maxActivePower', 90_000)];
    const plain = toCreatedDerGroupForecasts(forecasts, header);
    const compressed = toCreatedDerGroupForecasts(forecasts, header, { compressed: true });
    expect(xmllintTexts([plain, compressed], XSD.forecastsEvent)).toMatchObject({ code: 0 });
    expect(textOf(plain, 'Verb')).toBe('created');
    expect(textsOf(plain, 'timeIntervalDuration')).toEqual(['15', '90']);
    expect(textsOf(plain, 'timeIntervalUnit')).toEqual(['m', 's']);
    expect(textsOf(plain, 'nominalYValue').slice(0, 3)).toEqual(['1234.5', '2469', '3703.5']);
    expect(textsOf(plain, 'minYValue')[0]).toBe('-0.0000001');
    expect(textsOf(plain, 'name')).toEqual([
      'activePower',
      'derstream.parameter',
      'seasonalNaive',
      'derstream.method',
      'maxActivePower',
      'derstream.parameter',
      'seasonalNaive',
      'derstream.method',
    ]);
    const inner = gunzipSync(Buffer.from(textOf(compressed, 'Compressed')!, 'base64')).toString('utf8');
    expect(plain).toContain(inner);
  });

  it('writes state of charge only with a configured DERParameterKind', () => {
    expect(isTranslatable('stateOfCharge')).toBe(false);
    expect(() => toCreatedDerGroupForecasts([forecast('stateOfCharge')], header)).toThrow(/stateOfCharge/);
    const extended = toCreatedDerGroupForecasts([forecast('stateOfCharge')], header, {
      stateOfChargeKind: 'stateOfCharge',
    });
    expect(textOf(extended, 'DERParameter')).toBe('stateOfCharge');
    expect(xmllintTexts([extended], XSD.forecastsEvent).code).not.toBe(0);
  });
});
