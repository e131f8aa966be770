import { gzipSync } from 'node:zlib';
import {
  COMPRESSED_FORMAT,
  el,
  escapeXml,
  IEC_MESSAGE_NAMESPACE,
  isoUtc,
  messageHeader,
  UntranslatableError,
  xsdDecimal,
} from './derGroupStatuses';

/** The draft's namespaces (create/DERGroupForecasts*.xsd). */
export const DER_GROUP_FORECASTS_NAMESPACE = 'http://iec.ch/TC57/2017/DERGroupForecasts#';
export const DER_GROUP_FORECASTS_MESSAGE_NAMESPACE = 'http://iec.ch/TC57/2017/DERGroupForecastsMessage';

/** One issued forecast of one group and parameter (the replay's `forecasts.ndjson` line). */
export interface ForecastToTranslate {
  groupId: string;
  parameter: string;
  method: string;
  issuedAt: number;
  intervalMs: number;
  points: readonly { intervalNumber: number; start: number; p10: number; p50: number; p90: number }[];
}

export interface DerGroupForecastsOptions {
  profileNamespace?: string;
  messageNamespace?: string;
  compressed?: boolean;
  /**
   * The DERParameterKind to write state-of-charge forecasts with. The draft's enumeration
   * has none, so by default they are left out; set it (e.g. `stateOfCharge`) only with a
   * schema set that allows it.
   */
  stateOfChargeKind?: string;
}

/** `NameType/name` of the Names that say which derstream parameter and method a forecast is. */
export const PARAMETER_NAME_TYPE = 'derstream.parameter';
export const METHOD_NAME_TYPE = 'derstream.method';

/** `DispatchSchedule/confidence`: the P10–P90 band holds 80% of outcomes. */
const BAND_CONFIDENCE = 80;

/** Our parameters as the draft's DERParameterKind and DERUnitSymbol. */
function kindOf(
  parameter: string,
  options: DerGroupForecastsOptions,
): { kind: string; unit: string } | undefined {
  if (parameter === 'activePower' || parameter === 'maxActivePower' || parameter === 'minActivePower') {
    return { kind: 'activePower', unit: 'W' };
  }
  if (parameter === 'reactivePower') return { kind: 'reactivePower', unit: 'VAr' };
  if (parameter === 'stateOfCharge' && options.stateOfChargeKind !== undefined) {
    // DERUnitSymbol has no percent; the value is a plain number 0..100.
    return { kind: options.stateOfChargeKind, unit: 'none' };
  }
  return undefined;
}

/** Whether a forecast of this parameter can be written with these options. */
export function isTranslatable(parameter: string, options: DerGroupForecastsOptions = {}): boolean {
  return kindOf(parameter, options) !== undefined;
}

/**
 * The `DERGroupForecasts` profile element: one `DERGroupForecast` per forecast, in the
 * order given.
 * - `mRID` = `groupId/parameter/issuedAt` (ISO 8601), unique per forecast and stable.
 * - `predictionCreationDate` = issuedAt (the watermark time it was issued at).
 * - `EndDeviceGroup/mRID` = groupId, one `DERMonitorableParameter`: activePower,
 *   maxActivePower and minActivePower all as DERParameter `activePower` in `W`
 *   (the draft has no kind for available capability), reactivePower as `reactivePower`
 *   in `VAr`, stateOfCharge only with `stateOfChargeKind`. Which one it is, and which
 *   method produced it, are the `Names` of the DERGroupForecast, with NameType
 *   `derstream.parameter` and `derstream.method`.
 * - One `DispatchSchedule`: confidence 80 (the P10–P90 band), curveStyleKind
 *   `constantYValue` (each value holds over its interval), startTime = the first
 *   interval's start, timeIntervalDuration/Unit = the interval in whole minutes (`m`) or
 *   else seconds (`s`), and per point `DERCurveData` intervalNumber, maxYValue = P90,
 *   minYValue = P10, nominalYValue = P50.
 */
export function toDerGroupForecastsProfile(
  forecasts: readonly ForecastToTranslate[],
  options: DerGroupForecastsOptions = {},
): string {
  const ns = options.profileNamespace ?? DER_GROUP_FORECASTS_NAMESPACE;
  if (ns === '') throw new UntranslatableError('profileNamespace must not be empty');
  if (forecasts.length === 0) throw new UntranslatableError('DERGroupForecasts needs at least one forecast');
  return (
    `<DERGroupForecasts xmlns="${escapeXml(ns)}">` +
    forecasts.map((f) => derGroupForecast(f, options)).join('') +
    '</DERGroupForecasts>'
  );
}

function derGroupForecast(forecast: ForecastToTranslate, options: DerGroupForecastsOptions): string {
  const parameter = kindOf(forecast.parameter, options);
  if (parameter === undefined) {
    throw new UntranslatableError(`no DERParameterKind for ${forecast.parameter} in the configured schema`);
  }
  if (forecast.points.length === 0) throw new UntranslatableError('a forecast needs at least one interval');
  const issued = isoUtc(forecast.issuedAt, 'issuedAt');
  const points = forecast.points
    .map(
      (p) =>
        '<DERCurveData>' +
        el('intervalNumber', String(p.intervalNumber)) +
        el('maxYValue', xsdDecimal(p.p90)) +
        el('minYValue', xsdDecimal(p.p10)) +
        el('nominalYValue', xsdDecimal(p.p50)) +
        '</DERCurveData>',
    )
    .join('');
  return (
    '<DERGroupForecast>' +
    el('mRID', `${forecast.groupId}/${forecast.parameter}/${issued}`) +
    el('predictionCreationDate', issued) +
    '<EndDeviceGroup>' +
    el('mRID', forecast.groupId) +
    '<DERMonitorableParameter>' +
    el('DERParameter', parameter.kind) +
    el('yMultiplier', 'none') +
    el('yUnit', parameter.unit) +
    '<DispatchSchedule>' +
    el('confidence', String(BAND_CONFIDENCE)) +
    el('curveStyleKind', 'constantYValue') +
    el('startTime', isoUtc(forecast.points[0]!.start, 'points[0].start')) +
    intervalLength(forecast.intervalMs) +
    points +
    '</DispatchSchedule>' +
    '</DERMonitorableParameter>' +
    '</EndDeviceGroup>' +
    names(PARAMETER_NAME_TYPE, forecast.parameter) +
    names(METHOD_NAME_TYPE, forecast.method) +
    '</DERGroupForecast>'
  );
}

function intervalLength(intervalMs: number): string {
  if (!Number.isSafeInteger(intervalMs) || intervalMs <= 0 || intervalMs % 1000 !== 0) {
    throw new UntranslatableError(`interval must be a positive whole number of seconds: ${intervalMs} ms`);
  }
  const [duration, unit] = intervalMs % 60_000 === 0 ? [intervalMs / 60_000, 'm'] : [intervalMs / 1000, 's'];
  return el('timeIntervalDuration', String(duration)) + el('timeIntervalUnit', unit);
}

function names(type: string, name: string): string {
  return `<Names>${el('name', name)}<NameType>${el('name', type)}</NameType></Names>`;
}

export interface DerGroupForecastsHeader {
  messageId: string;
  timestamp: number;
  source: string;
}

/**
 * A `CreatedDERGroupForecasts` event (verb `created`, noun `DERGroupForecasts`), valid
 * against the draft's `create/DERGroupForecastsMessage.xsd`. With `compressed`, the
 * profile is gzipped and base64-encoded into `Compressed` with `Format` `XML`; as for
 * statuses, the schema still requires an inline profile first, so a minimal placeholder
 * (one forecast named by {@link FORECAST_PLACEHOLDER_NAME}, no values) stands there, and
 * readers take the forecasts from `Compressed`.
 */
export function toCreatedDerGroupForecasts(
  forecasts: readonly ForecastToTranslate[],
  header: DerGroupForecastsHeader,
  options: DerGroupForecastsOptions = {},
): string {
  const messageNs = options.messageNamespace ?? DER_GROUP_FORECASTS_MESSAGE_NAMESPACE;
  if (messageNs === '') throw new UntranslatableError('messageNamespace must not be empty');
  const profile = toDerGroupForecastsProfile(forecasts, options);
  const payload = options.compressed
    ? placeholder(options.profileNamespace ?? DER_GROUP_FORECASTS_NAMESPACE, header.timestamp) +
      el('m:Compressed', gzipSync(Buffer.from(profile, 'utf8')).toString('base64')) +
      el('m:Format', COMPRESSED_FORMAT)
    : profile;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<m:CreatedDERGroupForecasts xmlns:m="${escapeXml(messageNs)}" xmlns:msg="${IEC_MESSAGE_NAMESPACE}">` +
    messageHeader('created', 'DERGroupForecasts', header) +
    `<m:Payload>${payload}</m:Payload>` +
    '</m:CreatedDERGroupForecasts>'
  );
}

/** `Names/name` of the placeholder that a compressed payload carries inline. */
export const FORECAST_PLACEHOLDER_NAME = 'placeholder: the forecasts are in Payload/Compressed';

function placeholder(profileNamespace: string, timestamp: number): string {
  const at = isoUtc(timestamp, 'header.timestamp');
  return (
    `<DERGroupForecasts xmlns="${escapeXml(profileNamespace)}"><DERGroupForecast>` +
    el('predictionCreationDate', at) +
    '<EndDeviceGroup><DERMonitorableParameter>' +
    el('DERParameter', 'activePower') +
    el('yMultiplier', 'none') +
    el('yUnit', 'W') +
    '<DispatchSchedule>' +
    el('curveStyleKind', 'constantYValue') +
    el('startTime', at) +
    el('timeIntervalDuration', '1') +
    el('timeIntervalUnit', 'm') +
    `<DERCurveData>${el('intervalNumber', '0')}</DERCurveData>` +
    '</DispatchSchedule></DERMonitorableParameter></EndDeviceGroup>' +
    `<Names>${el('name', FORECAST_PLACEHOLDER_NAME)}</Names>` +
    '</DERGroupForecast></DERGroupForecasts>'
  );
}
