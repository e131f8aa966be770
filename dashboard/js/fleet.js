/* global document, window, performance, requestAnimationFrame, cancelAnimationFrame, ResizeObserver, history, location, URLSearchParams, setTimeout, clearTimeout */
// The fleet overview: one tile per group, coloured by the share of its members that are
// fresh, drawn on one canvas. Only the rows in view are drawn (the canvas is the size of
// the grid's viewport and stays put over it while a spacer gives the scroller its full
// height), so 10,000 groups cost one rectangle each per frame in view and no DOM at all.
import { fleet, onFleetChange } from './store.js';
import {
  FRESHNESS,
  freshnessClass,
  freshShare,
  formatCount,
  formatPercent,
  formatPower,
  formatTime,
  formatDateTime,
} from './format.js';

const SORTS = [
  { key: 'id', label: 'Group id' },
  { key: 'headroomUp', label: 'Headroom up (most first)', value: (s) => s?.headroomUp, descending: true },
  {
    key: 'headroomDown',
    label: 'Headroom down (most first)',
    value: (s) => s?.headroomDown,
    descending: true,
  },
  { key: 'quality', label: 'Data quality (worst first)', value: (s) => freshShare(s) },
  { key: 'qualityBest', label: 'Data quality (best first)', value: (s) => freshShare(s), descending: true },
  { key: 'power', label: 'Active power (most first)', value: (s) => s?.activePower, descending: true },
];

const FLASH_MS = 1500;
const REBUILD_EVERY_MS = 250;

/** Tile geometry for `count` tiles in `width` CSS pixels: large labelled tiles for small fleets. */
function layoutFor(count, width) {
  const spec =
    count <= 240
      ? { min: 150, h: 60, gap: 6, labels: true }
      : count <= 2500
        ? { min: 24, h: 24, gap: 3, labels: false }
        : { min: 14, h: 14, gap: 2, labels: false };
  const cols = Math.max(1, Math.floor((width + spec.gap) / (spec.min + spec.gap)));
  const w = spec.labels ? Math.floor((width + spec.gap) / cols - spec.gap) : spec.min;
  const rows = Math.ceil(count / cols);
  return {
    ...spec,
    w,
    cols,
    rows,
    pitchX: w + spec.gap,
    pitchY: spec.h + spec.gap,
    height: rows * (spec.h + spec.gap),
  };
}

function readParams() {
  const query = new URLSearchParams(location.hash.split('?')[1] ?? '');
  const sort = SORTS.some((s) => s.key === query.get('sort')) ? query.get('sort') : 'id';
  return { q: query.get('q') ?? '', sort };
}

function writeParams(q, sort) {
  const query = new URLSearchParams();
  if (q !== '') query.set('q', q);
  if (sort !== 'id') query.set('sort', sort);
  const text = query.toString();
  history.replaceState(null, '', `#/${text === '' ? '' : `?${text}`}`);
}

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'text') node.textContent = value;
    else node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

export function renderFleet(root) {
  const params = readParams();
  const search = element('input', {
    type: 'search',
    id: 'fleet-search',
    placeholder: 'Search by group id or name',
    'aria-label': 'Search groups by id or name',
    autocomplete: 'off',
  });
  search.value = params.q;
  const sort = element(
    'select',
    { id: 'fleet-sort', 'aria-label': 'Sort groups by' },
    SORTS.map((s) => element('option', { value: s.key, text: s.label })),
  );
  sort.value = params.sort;
  const legend = element(
    'ul',
    { class: 'legend', 'aria-label': 'Tile colours' },
    FRESHNESS.map((f) =>
      element('li', {}, [element('span', { class: 'swatch', style: `background:${f.fill}` }), f.label]),
    ),
  );
  const summary = element('dl', { class: 'summary', id: 'fleet-summary' });
  const canvas = element('canvas', { id: 'fleet-canvas', role: 'img', 'aria-label': 'Group tiles' });
  const spacer = element('div', { class: 'grid-spacer' });
  const empty = element('p', { class: 'empty', hidden: '' });
  // The scroller holds only the spacer; the canvas lies over it (taking no room and no
  // pointer events), so the grid's size comes from the page and never from what it draws.
  const scroller = element('div', { class: 'grid-scroll', id: 'fleet-grid' }, [spacer]);
  const grid = element('div', { class: 'grid' }, [scroller, canvas, empty]);
  const tooltip = element('div', { class: 'tooltip', role: 'tooltip', hidden: '' });
  root.replaceChildren(
    element('section', { class: 'fleet' }, [
      element('div', { class: 'toolbar' }, [
        search,
        element('label', { class: 'sort' }, ['Sort ', sort]),
        legend,
      ]),
      summary,
      grid,
      tooltip,
    ]),
  );

  const context = canvas.getContext('2d');
  /** The groups shown, in order. */
  let shown = [];
  let layout = layoutFor(0, 1);
  let frame = 0;
  let rebuildTimer;
  let lastRebuild = 0;
  let hovered = -1;
  /** The last pointer position over the canvas, to keep the tooltip true as statuses change. */
  let pointer;
  canvas.dataset.draws = '0';

  function rebuild() {
    lastRebuild = performance.now();
    rebuildTimer = undefined;
    const text = search.value.trim().toLowerCase();
    const groups = [];
    for (const group of fleet.groups.values()) {
      if (
        text === '' ||
        group.id.toLowerCase().includes(text) ||
        (group.name ?? '').toLowerCase().includes(text)
      ) {
        groups.push(group);
      }
    }
    const order = SORTS.find((s) => s.key === sort.value) ?? SORTS[0];
    if (order.value === undefined) {
      groups.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    } else {
      const keyed = groups.map((group) => {
        const value = order.value(fleet.statuses.get(group.id));
        return { group, value: value === null || value === undefined ? NaN : value };
      });
      const sign = order.descending ? -1 : 1;
      keyed.sort((a, b) => {
        // Unknown values last, whatever the direction; then by id.
        const an = Number.isNaN(a.value);
        const bn = Number.isNaN(b.value);
        if (an !== bn) return an ? 1 : -1;
        if (!an && a.value !== b.value) return sign * (a.value - b.value);
        return a.group.id < b.group.id ? -1 : 1;
      });
      for (let i = 0; i < keyed.length; i++) groups[i] = keyed[i].group;
    }
    shown = groups;
    canvas.dataset.shown = String(shown.length);
    renderSummary(text);
    resize();
    if (!tooltip.hidden && pointer !== undefined) {
      hovered = indexAt(pointer);
      if (hovered < 0) tooltip.hidden = true;
      else showTooltip(hovered, pointer);
    }
  }

  function scheduleRebuild() {
    if (rebuildTimer !== undefined) return;
    const wait = Math.max(0, REBUILD_EVERY_MS - (performance.now() - lastRebuild));
    rebuildTimer = setTimeout(rebuild, wait);
  }

  function renderSummary(text) {
    let power = 0;
    let up = 0;
    let down = 0;
    let members = 0;
    let fresh = 0;
    let reporting = 0;
    let dark = 0;
    let withStatus = 0;
    for (const group of shown) {
      const status = fleet.statuses.get(group.id);
      if (status === undefined) continue;
      withStatus += 1;
      power += status.activePower;
      up += status.headroomUp ?? 0;
      down += status.headroomDown ?? 0;
      members += status.members;
      fresh += status.fresh;
      reporting += status.reporting;
      if (status.members > 0 && status.fresh === 0) dark += 1;
    }
    const total = fleet.groups.size;
    const items = [
      ['Groups', text === '' ? formatCount(total) : `${formatCount(shown.length)} of ${formatCount(total)}`],
      ['With a status', formatCount(withStatus)],
      ['Active power', formatPower(power)],
      ['Headroom up', formatPower(up)],
      ['Headroom down', formatPower(down)],
      ['Members fresh', members === 0 ? '—' : formatPercent((100 * fresh) / members, 1)],
      ['Members reporting', members === 0 ? '—' : formatPercent((100 * reporting) / members, 1)],
      ['Groups dark', formatCount(dark)],
      ['Latest window', formatTime(fleet.latestWindowEnd)],
    ];
    summary.replaceChildren(
      ...items.map(([label, value]) =>
        element('div', {}, [element('dt', { text: label }), element('dd', { text: value })]),
      ),
    );
    summary.dataset.latestWindowEnd = String(fleet.latestWindowEnd);
    if (!fleet.loaded) {
      empty.textContent =
        fleet.error === undefined
          ? 'Loading the fleet…'
          : `Cannot read the fleet (${fleet.error}); trying again every few seconds.`;
    } else if (total === 0) {
      empty.textContent =
        'No groups yet. derstream learns its groups from der.groups; they appear here as soon as it has read them.';
    } else if (shown.length === 0) {
      empty.textContent = `No group matches “${search.value.trim()}”.`;
    }
    empty.hidden = fleet.loaded && shown.length > 0;
  }

  function resize() {
    const width = scroller.clientWidth;
    const height = scroller.clientHeight;
    layout = layoutFor(shown.length, Math.max(1, width - 2));
    const ratio = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    spacer.style.height = `${layout.height + 2}px`;
    // The geometry, for tests and anyone scripting the page.
    Object.assign(canvas.dataset, {
      cols: layout.cols,
      tileW: layout.w,
      tileH: layout.h,
      pitchX: layout.pitchX,
      pitchY: layout.pitchY,
    });
    scheduleDraw();
  }

  function scheduleDraw() {
    if (frame === 0) frame = requestAnimationFrame(draw);
  }

  function draw() {
    frame = 0;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.width / ratio;
    const height = canvas.height / ratio;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    const top = scroller.scrollTop;
    const firstRow = Math.floor(top / layout.pitchY);
    const lastRow = Math.min(layout.rows - 1, Math.floor((top + height) / layout.pitchY));
    const now = performance.now();
    let flashing = false;
    if (layout.labels) {
      context.textBaseline = 'top';
    }
    for (let row = firstRow; row <= lastRow; row++) {
      const y = row * layout.pitchY - top + 1;
      for (let col = 0; col < layout.cols; col++) {
        const index = row * layout.cols + col;
        if (index >= shown.length) break;
        const group = shown[index];
        const status = fleet.statuses.get(group.id);
        const colour = FRESHNESS[freshnessClass(status)];
        const x = col * layout.pitchX + 1;
        context.fillStyle = colour.fill;
        context.fillRect(x, y, layout.w, layout.h);
        if (layout.labels) drawLabels(group, status, colour, x, y);
        const touched = fleet.touched.get(group.id);
        const age = touched === undefined ? Infinity : now - touched;
        if (age < FLASH_MS) {
          flashing = true;
          context.strokeStyle = `rgba(25, 118, 210, ${1 - age / FLASH_MS})`;
          context.lineWidth = 2;
          context.strokeRect(x + 1, y + 1, layout.w - 2, layout.h - 2);
        }
        if (index === hovered) {
          context.strokeStyle = '#111';
          context.lineWidth = 2;
          context.strokeRect(x - 1, y - 1, layout.w + 2, layout.h + 2);
        }
      }
    }
    canvas.dataset.draws = String(Number(canvas.dataset.draws) + 1);
    if (flashing) scheduleDraw();
  }

  function fit(text, width) {
    if (context.measureText(text).width <= width) return text;
    let end = text.length;
    while (end > 1 && context.measureText(`${text.slice(0, end)}…`).width > width) end -= 1;
    return `${text.slice(0, end)}…`;
  }

  function drawLabels(group, status, colour, x, y) {
    const inner = layout.w - 12;
    context.fillStyle = colour.text;
    context.font = '600 12px system-ui, sans-serif';
    context.fillText(fit(group.name ?? group.id, inner), x + 6, y + 6);
    context.font = '11px system-ui, sans-serif';
    if (status === undefined) {
      context.fillText(fit('no status yet', inner), x + 6, y + 24);
      return;
    }
    context.fillText(
      fit(`P ${formatPower(status.activePower)} · ↑ ${formatPower(status.headroomUp)}`, inner),
      x + 6,
      y + 24,
    );
    context.fillText(
      fit(`${status.fresh}/${status.members} fresh · ${formatTime(status.windowEnd)}`, inner),
      x + 6,
      y + 40,
    );
  }

  function indexAt(event) {
    const rect = canvas.getBoundingClientRect();
    const x = event.clientX - rect.left - 1;
    const y = event.clientY - rect.top + scroller.scrollTop - 1;
    const col = Math.floor(x / layout.pitchX);
    const row = Math.floor(y / layout.pitchY);
    if (col < 0 || col >= layout.cols || row < 0) return -1;
    if (x - col * layout.pitchX > layout.w || y - row * layout.pitchY > layout.h) return -1;
    const index = row * layout.cols + col;
    return index < shown.length ? index : -1;
  }

  function showTooltip(index, event) {
    const group = shown[index];
    const status = fleet.statuses.get(group.id);
    const lines = [
      element('strong', { text: group.name ?? group.id }),
      element('div', { class: 'muted', text: group.id }),
    ];
    if (status === undefined) {
      lines.push(element('div', { text: `${formatCount(group.memberCount)} members, no status yet` }));
    } else {
      lines.push(
        element('div', { text: `window ending ${formatDateTime(status.windowEnd)}` }),
        element('div', { text: `active power ${formatPower(status.activePower)}` }),
        element('div', {
          text: `headroom ↑ ${formatPower(status.headroomUp)} ↓ ${formatPower(status.headroomDown)}`,
        }),
        element('div', { text: `state of charge ${formatPercent(status.stateOfCharge, 1)}` }),
        element('div', {
          text: `${status.fresh}/${status.members} fresh · ${status.reporting} reporting · ${status.stale} stale · ${status.silent} silent`,
        }),
      );
    }
    tooltip.replaceChildren(...lines);
    tooltip.hidden = false;
    const margin = 14;
    const box = tooltip.getBoundingClientRect();
    const left = Math.min(event.clientX + margin, window.innerWidth - box.width - 4);
    const top =
      event.clientY + margin + box.height > window.innerHeight
        ? event.clientY - box.height - margin
        : event.clientY + margin;
    tooltip.style.left = `${Math.max(4, left)}px`;
    tooltip.style.top = `${Math.max(4, top)}px`;
  }

  const open = (group) => {
    location.hash = `#/group/${encodeURIComponent(group.id)}`;
  };

  scroller.addEventListener('mousemove', (event) => {
    pointer = event;
    const index = indexAt(event);
    scroller.style.cursor = index < 0 ? 'default' : 'pointer';
    if (index !== hovered) {
      hovered = index;
      scheduleDraw();
    }
    if (index < 0) tooltip.hidden = true;
    else showTooltip(index, event);
  });
  scroller.addEventListener('mouseleave', () => {
    hovered = -1;
    pointer = undefined;
    tooltip.hidden = true;
    scheduleDraw();
  });
  scroller.addEventListener('click', (event) => {
    const index = indexAt(event);
    if (index >= 0) open(shown[index]);
  });
  scroller.addEventListener('scroll', () => {
    tooltip.hidden = true;
    scheduleDraw();
  });
  let searchTimer;
  search.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      writeParams(search.value.trim(), sort.value);
      scroller.scrollTop = 0;
      rebuild();
    }, 120);
  });
  search.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && shown.length > 0) {
      clearTimeout(searchTimer);
      rebuild();
      open(shown[0]);
    }
  });
  sort.addEventListener('change', () => {
    writeParams(search.value.trim(), sort.value);
    scroller.scrollTop = 0;
    rebuild();
  });
  const observer = new ResizeObserver(() => resize());
  observer.observe(scroller);
  const unsubscribe = onFleetChange((kind) => {
    if (kind === 'status') scheduleRebuild();
    else rebuild();
  });
  rebuild();

  return () => {
    unsubscribe();
    observer.disconnect();
    clearTimeout(rebuildTimer);
    clearTimeout(searchTimer);
    if (frame !== 0) cancelAnimationFrame(frame);
  };
}
