/* global document, window, ResizeObserver, setTimeout, clearTimeout, setInterval, clearInterval */
// One group: its membership, its latest status and time-series charts (uPlot) of its
// statuses with the latest forecast's P50 and P10–P90 band, kept current by the stream.
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { apiGet, apiGetOptional, ApiError } from './api.js';
import { onStatusVersion } from './store.js';
import {
  formatCount,
  formatDateTime,
  formatEnergy,
  formatPercent,
  formatPower,
  formatTime,
  FRESHNESS,
  freshnessClass,
} from './format.js';

const HOUR = 3_600_000;
const RANGES = [
  ['1 h', HOUR],
  ['6 h', 6 * HOUR],
  ['24 h', 24 * HOUR],
  ['7 d', 7 * 24 * HOUR],
];
const DEFAULT_RANGE = 6 * HOUR;
const FORECAST_REFRESH_MS = 60_000;
const REDRAW_EVERY_MS = 250;
const MAX_MEMBERS_LISTED = 500;

const CHARTS = [
  {
    id: 'power',
    title: 'Active power',
    unit: 'power',
    series: [{ field: 'activePower', label: 'Active power', colour: '#1f6feb', forecast: 'activePower' }],
  },
  {
    id: 'headroom',
    title: 'Headroom',
    unit: 'power',
    series: [
      { field: 'headroomUp', label: 'Headroom up', colour: '#2e7d32', forecast: 'headroomUp' },
      { field: 'headroomDown', label: 'Headroom down', colour: '#8e24aa', forecast: 'headroomDown' },
    ],
    empty: 'No headroom: no fresh, connected member states its power limits.',
  },
  {
    id: 'soc',
    title: 'State of charge',
    unit: 'percent',
    range: [0, 100],
    series: [
      { field: 'stateOfCharge', label: 'State of charge', colour: '#00897b', forecast: 'stateOfCharge' },
    ],
    empty: 'No state of charge: no fresh member of this group reports one (no storage).',
  },
  {
    id: 'members',
    title: 'Members by data quality',
    unit: 'count',
    stepped: true,
    series: [
      { field: 'members', label: 'members', colour: '#7b8794', dash: [4, 4] },
      { field: 'reporting', label: 'reporting', colour: '#1f6feb' },
      { field: 'fresh', label: 'fresh', colour: '#2e7d32' },
      { field: 'stale', label: 'stale', colour: '#ef8a3c' },
      { field: 'silent', label: 'silent', colour: '#c62828' },
    ],
  },
];

const FORECAST_PARAMETERS = [
  ...new Set(CHARTS.flatMap((c) => c.series.map((s) => s.forecast).filter(Boolean))),
];

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

function withAlpha(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

const FORMAT = {
  power: (v) => formatPower(v),
  percent: (v) => formatPercent(v, 1),
  count: (v) => formatCount(v),
};

/** Axis labels in one unit for all ticks of an axis, with no more decimals than they need. */
function axisValues(unit) {
  return (_u, splits) => {
    if (unit === 'percent') return splits.map((v) => `${v} %`);
    if (unit === 'count') return splits.map((v) => (Number.isInteger(v) ? String(v) : ''));
    const top = Math.max(...splits.map((v) => Math.abs(v)));
    const [div, suffix] = top >= 1e6 ? [1e6, 'MW'] : top >= 1e3 ? [1e3, 'kW'] : [1, 'W'];
    const step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) / div : 1;
    const digits = step >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(step)));
    return splits.map((v) => `${(v / div).toFixed(digits)} ${suffix}`);
  };
}

/** A vertical line at the present, between what was measured and what is forecast. */
function drawNow(u) {
  const now = Date.now() / 1000;
  const [min, max] = [u.scales.x.min, u.scales.x.max];
  if (min === undefined || now < min || now > max) return;
  const x = Math.round(u.valToPos(now, 'x', true));
  const { ctx, bbox } = u;
  ctx.save();
  ctx.strokeStyle = 'rgba(31, 41, 51, 0.45)';
  ctx.setLineDash([3, 3]);
  ctx.lineWidth = window.devicePixelRatio || 1;
  ctx.beginPath();
  ctx.moveTo(x, bbox.top);
  ctx.lineTo(x, bbox.top + bbox.height);
  ctx.stroke();
  ctx.restore();
}

export function renderGroup(root, groupId) {
  let range = DEFAULT_RANGE;
  /** windowEnd -> status, the latest version of each window in range */
  const statuses = new Map();
  /** parameter -> IssuedForecast */
  let forecasts = new Map();
  let forecastsLoaded = false;
  const charts = new Map();
  let disposed = false;
  let redrawTimer;
  let observer;

  const title = element('h1', { text: groupId });
  const subtitle = element('p', { class: 'muted', id: 'group-subtitle', text: 'Loading…' });
  const latest = element('dl', { class: 'summary', id: 'group-latest' });
  const rangeButtons = element(
    'div',
    { class: 'ranges', role: 'group', 'aria-label': 'Time range' },
    RANGES.map(([label, ms]) =>
      element('button', {
        type: 'button',
        'data-range': String(ms),
        'aria-pressed': String(ms === range),
        text: label,
      }),
    ),
  );
  const forecastNote = element('p', { class: 'note', id: 'forecast-note' });
  const message = element('p', { class: 'empty', hidden: '' });
  const chartArea = element('div', { class: 'charts' });
  const members = element('details', { class: 'members' });
  root.replaceChildren(
    element('section', { class: 'group' }, [
      element('nav', {}, [element('a', { href: '#/', text: '← Fleet' })]),
      element('header', { class: 'group-head' }, [element('div', {}, [title, subtitle]), rangeButtons]),
      latest,
      forecastNote,
      message,
      chartArea,
      members,
    ]),
  );

  rangeButtons.addEventListener('click', (event) => {
    const ms = Number(event.target?.dataset?.range);
    if (!ms || ms === range) return;
    range = ms;
    for (const button of rangeButtons.querySelectorAll('button')) {
      button.setAttribute('aria-pressed', String(Number(button.dataset.range) === range));
    }
    loadStatuses();
  });

  function showError(error) {
    message.hidden = false;
    message.textContent =
      error instanceof ApiError
        ? `The server answered ${error.status}: ${error.message}`
        : `Cannot reach the server: ${error.message}`;
  }

  async function loadGroup() {
    try {
      const group = await apiGet(`api/groups/${encodeURIComponent(groupId)}`);
      if (disposed) return;
      const current = group.current;
      title.textContent = current?.name ?? groupId;
      subtitle.textContent = current
        ? `${groupId} · ${formatCount(current.members.length)} members · ${current.effectiveFrom > 0 ? `this membership since ${formatDateTime(current.effectiveFrom)}` : 'membership unchanged since the start'} · ${group.versions.length} version${group.versions.length === 1 ? '' : 's'}`
        : `${groupId} · deleted (${group.versions.length} versions)`;
      const list = current?.members ?? [];
      members.replaceChildren(
        element('summary', { text: `Members (${formatCount(list.length)})` }),
        element(
          'ul',
          {},
          list.slice(0, MAX_MEMBERS_LISTED).map((m) =>
            element('li', {
              text: [
                m.deviceId,
                m.ratedPower ? formatPower(m.ratedPower) : '',
                m.ratedEnergy ? formatEnergy(m.ratedEnergy) : '',
              ]
                .filter(Boolean)
                .join(' · '),
            }),
          ),
        ),
        ...(list.length > MAX_MEMBERS_LISTED
          ? [
              element('p', {
                class: 'muted',
                text: `and ${formatCount(list.length - MAX_MEMBERS_LISTED)} more`,
              }),
            ]
          : []),
      );
    } catch (error) {
      if (disposed) return;
      if (error instanceof ApiError && error.status === 404) {
        subtitle.textContent = `derstream knows no group ${groupId}.`;
      } else {
        showError(error);
      }
    }
  }

  async function loadStatuses() {
    const from = Date.now() - range;
    try {
      // A 404 is a group derstream does not know: the group's own request says so above.
      const answer = await apiGetOptional(`api/groups/${encodeURIComponent(groupId)}/statuses?from=${from}`);
      if (disposed) return;
      statuses.clear();
      for (const status of answer?.items ?? []) keep(status);
      rebuildCharts();
    } catch (error) {
      if (!disposed) showError(error);
    }
  }

  async function loadForecasts() {
    const answers = await Promise.all(
      FORECAST_PARAMETERS.map((parameter) =>
        apiGetOptional(`api/groups/${encodeURIComponent(groupId)}/forecast?parameter=${parameter}`).catch(
          () => undefined,
        ),
      ),
    );
    if (disposed) return;
    const next = new Map();
    answers.forEach((forecast, i) => {
      if (forecast !== undefined && forecast.points?.length > 0) next.set(FORECAST_PARAMETERS[i], forecast);
    });
    const same =
      next.size === forecasts.size && [...next].every(([p, f]) => forecasts.get(p)?.issuedAt === f.issuedAt);
    forecasts = next;
    forecastsLoaded = true;
    renderForecastNote();
    if (!same) rebuildCharts();
  }

  function renderForecastNote() {
    if (!forecastsLoaded) {
      forecastNote.textContent = 'Looking for a forecast…';
      return;
    }
    const power = forecasts.get('activePower');
    forecastNote.dataset.forecast = power ? 'yes' : 'no';
    forecastNote.textContent = power
      ? `Forecast issued ${formatDateTime(power.issuedAt)} (${power.method}), ${power.points.length} intervals of ${Math.round(power.intervalMs / 60_000)} min: the dashed line is the P50, ${
          power.points.some((p) => p.p90 > p.p10)
            ? 'the shaded band P10–P90.'
            : 'with no P10–P90 band yet (the forecaster has not measured its errors so far).'
        }`
      : 'No forecast for this group yet: forecasts appear once derstream has issued one (every 15 minutes by default, after enough history).';
  }

  function keep(status) {
    const known = statuses.get(status.windowEnd);
    if (known === undefined || known.version <= status.version) statuses.set(status.windowEnd, status);
  }

  function renderLatest() {
    const newest = [...statuses.values()].reduce(
      (a, b) => (a === undefined || b.windowEnd > a.windowEnd ? b : a),
      undefined,
    );
    latest.dataset.windowEnd = String(newest?.windowEnd ?? 0);
    if (newest === undefined) {
      latest.replaceChildren();
      return;
    }
    const quality = FRESHNESS[freshnessClass(newest)];
    const items = [
      ['Window ending', formatTime(newest.windowEnd)],
      ['Active power', formatPower(newest.activePower)],
      ['Headroom up', formatPower(newest.headroomUp)],
      ['Headroom down', formatPower(newest.headroomDown)],
      ['State of charge', formatPercent(newest.stateOfCharge, 1)],
      ['Stored energy', formatEnergy(newest.storedEnergy)],
      ['Fresh', `${newest.fresh} / ${newest.members}`],
      ['Reporting', `${newest.reporting}`],
      ['Stale · silent', `${newest.stale} · ${newest.silent}`],
      ['Connected', `${newest.connected}`],
      [
        'Voltage',
        newest.voltageMin === null
          ? '—'
          : `${newest.voltageMin.toFixed(1)}–${newest.voltageMax.toFixed(1)} V`,
      ],
    ];
    latest.replaceChildren(
      ...items.map(([label, value]) =>
        element('div', {}, [element('dt', { text: label }), element('dd', { text: value })]),
      ),
    );
    latest
      .querySelector('dd')
      .prepend(
        element('span', { class: 'swatch', style: `background:${quality.fill}`, title: quality.label }),
      );
  }

  /**
   * The forecast's intervals shown: those that end no further past the newest status (or
   * the present) than the history shown reaches back, at least an hour and at most the
   * range, so a day-long forecast does not squeeze a short history to a sliver.
   */
  function shownPoints(forecast) {
    let newest = Date.now();
    let oldest = Infinity;
    for (const end of statuses.keys()) {
      if (end > newest) newest = end;
      if (end < oldest) oldest = end;
    }
    const history = oldest === Infinity ? 0 : newest - oldest;
    const ahead = Math.min(range, Math.max(HOUR, history));
    return forecast.points.filter((p) => p.start + forecast.intervalMs <= newest + ahead);
  }

  /** [min, max] in seconds over every status and forecast point: all charts share it. */
  function xRange() {
    let min = Infinity;
    let max = -Infinity;
    for (const end of statuses.keys()) {
      if (end < min) min = end;
      if (end > max) max = end;
    }
    for (const forecast of forecasts.values()) {
      const points = shownPoints(forecast);
      const last = points.at(-1);
      if (last && last.start + forecast.intervalMs > max) max = last.start + forecast.intervalMs;
      if (points[0] && points[0].start + forecast.intervalMs < min)
        min = points[0].start + forecast.intervalMs;
    }
    if (min === Infinity) return [Date.now() / 1000 - range / 1000, Date.now() / 1000];
    if (min === max) return [min / 1000 - 60, max / 1000 + 60];
    return [min / 1000, max / 1000];
  }

  /** The columns of one chart: x (s), then per series its values, P50, P10 and P90 when forecast. */
  function dataFor(spec) {
    const sorted = [...statuses.values()].sort((a, b) => a.windowEnd - b.windowEnd);
    const xs = new Set(sorted.map((s) => s.windowEnd));
    for (const series of spec.series) {
      const forecast = series.forecast && forecasts.get(series.forecast);
      if (forecast) for (const p of shownPoints(forecast)) xs.add(p.start + forecast.intervalMs);
    }
    const x = [...xs].sort((a, b) => a - b);
    const at = new Map(x.map((v, i) => [v, i]));
    const columns = [x.map((v) => v / 1000)];
    let values = 0;
    for (const series of spec.series) {
      const column = new Array(x.length).fill(null);
      for (const status of sorted) {
        const value = status[series.field];
        column[at.get(status.windowEnd)] = value;
        if (value !== null && value !== undefined) values += 1;
      }
      columns.push(column);
      const forecast = series.forecast && forecasts.get(series.forecast);
      if (forecast) {
        const p50 = new Array(x.length).fill(null);
        const p10 = new Array(x.length).fill(null);
        const p90 = new Array(x.length).fill(null);
        for (const p of shownPoints(forecast)) {
          const i = at.get(p.start + forecast.intervalMs);
          p50[i] = p.p50;
          p10[i] = p.p10;
          p90[i] = p.p90;
          values += 1;
        }
        columns.push(p50, p10, p90);
      }
    }
    return { columns, values, points: sorted.length };
  }

  function optionsFor(spec, width) {
    const format = FORMAT[spec.unit];
    const series = [{ label: 'time', value: (_u, v) => (v === null ? '—' : formatDateTime(v * 1000)) }];
    const bands = [];
    for (const s of spec.series) {
      series.push({
        label: s.label,
        stroke: s.colour,
        width: 2,
        dash: s.dash,
        spanGaps: true,
        points: { show: false },
        value: (_u, v) => format(v),
        ...(spec.stepped ? { paths: uPlot.paths.stepped({ align: -1 }) } : {}),
      });
      if (s.forecast && forecasts.get(s.forecast)) {
        const p50 = series.length;
        series.push(
          {
            label: `${s.label} P50`,
            stroke: withAlpha(s.colour, 0.9),
            width: 1.5,
            dash: [6, 4],
            spanGaps: true,
            points: { show: false },
            value: (_u, v) => format(v),
          },
          {
            label: 'P10',
            stroke: withAlpha(s.colour, 0.3),
            width: 1,
            spanGaps: true,
            points: { show: false },
            value: (_u, v) => format(v),
          },
          {
            label: 'P90',
            stroke: withAlpha(s.colour, 0.3),
            width: 1,
            spanGaps: true,
            points: { show: false },
            value: (_u, v) => format(v),
          },
        );
        bands.push({ series: [p50 + 2, p50 + 1], fill: withAlpha(s.colour, 0.16) });
      }
    }
    return {
      width,
      height: 220,
      series,
      bands,
      // One time range for every chart (the forecast's horizon included), so they line up.
      scales: { x: { time: true, range: () => xRange() }, y: spec.range ? { range: spec.range } : {} },
      axes: [
        { stroke: '#52606d', grid: { stroke: '#e4e7eb' }, ticks: { stroke: '#cbd2d9' } },
        {
          stroke: '#52606d',
          grid: { stroke: '#e4e7eb' },
          ticks: { stroke: '#cbd2d9' },
          size: 70,
          values: axisValues(spec.unit),
        },
      ],
      cursor: { sync: { key: `group-${groupId}` } },
      legend: { live: true },
      hooks: { draw: [drawNow] },
    };
  }

  function rebuildCharts() {
    for (const chart of charts.values()) chart.plot?.destroy();
    charts.clear();
    chartArea.replaceChildren();
    renderLatest();
    if (statuses.size === 0 && forecasts.size === 0) {
      message.hidden = false;
      message.textContent = `No statuses for this group in the last ${RANGES.find(([, ms]) => ms === range)?.[0] ?? 'range'} yet. A group has a status once one of its members reports; new ones appear here as they come.`;
      chartArea.dataset.charts = '0';
      return;
    }
    message.hidden = true;
    const width = Math.max(320, chartArea.clientWidth - 2);
    for (const spec of CHARTS) {
      const box = element('figure', { class: 'chart', id: `chart-${spec.id}` }, [
        element('figcaption', { text: spec.title }),
      ]);
      chartArea.append(box);
      const data = dataFor(spec);
      box.dataset.points = String(data.points);
      if (data.values === 0) {
        box.append(element('p', { class: 'empty small', text: spec.empty ?? 'No values in this range.' }));
        charts.set(spec.id, { spec, box });
        continue;
      }
      const plot = new uPlot(optionsFor(spec, width), data.columns, box);
      charts.set(spec.id, { spec, box, plot });
    }
    chartArea.dataset.charts = String([...charts.values()].filter((c) => c.plot).length);
  }

  /** New statuses from the stream: new data for the charts there are, or the charts if there were none. */
  function redraw() {
    redrawTimer = undefined;
    if (disposed) return;
    const someEmpty = [...charts.values()].some((c) => !c.plot);
    if (charts.size === 0 || someEmpty) {
      rebuildCharts();
      return;
    }
    renderLatest();
    for (const { spec, box, plot } of charts.values()) {
      const data = dataFor(spec);
      box.dataset.points = String(data.points);
      plot.setData(data.columns);
    }
  }

  const unsubscribe = onStatusVersion((status) => {
    if (status.groupId !== groupId || status.windowEnd < Date.now() - range) return;
    keep(status);
    if (redrawTimer === undefined) redrawTimer = setTimeout(redraw, REDRAW_EVERY_MS);
  });

  observer = new ResizeObserver(() => {
    const width = Math.max(320, chartArea.clientWidth - 2);
    for (const { plot } of charts.values())
      if (plot && plot.width !== width) plot.setSize({ width, height: 220 });
  });
  observer.observe(chartArea);

  renderForecastNote();
  loadGroup();
  Promise.all([loadStatuses(), loadForecasts()]);
  const forecastTimer = setInterval(() => loadForecasts(), FORECAST_REFRESH_MS);

  return () => {
    disposed = true;
    unsubscribe();
    observer.disconnect();
    clearTimeout(redrawTimer);
    clearInterval(forecastTimer);
    for (const chart of charts.values()) chart.plot?.destroy();
  };
}
