// Number, time and colour formatting shared by the views.

/** W with a unit that fits: "812 W", "12.4 kW", "3.21 MW"; an em dash for null. */
export function formatPower(watts, digits = 3) {
  if (watts === null || watts === undefined || !Number.isFinite(watts)) return '—';
  const abs = Math.abs(watts);
  if (abs >= 1e9) return `${(watts / 1e9).toPrecision(digits)} GW`;
  if (abs >= 1e6) return `${(watts / 1e6).toPrecision(digits)} MW`;
  if (abs >= 1e3) return `${(watts / 1e3).toPrecision(digits)} kW`;
  return `${Math.round(watts)} W`;
}

/** Wh the same way. */
export function formatEnergy(wattHours) {
  const power = formatPower(wattHours);
  return power === '—' ? power : `${power}h`;
}

export function formatPercent(value, digits = 0) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return `${value.toFixed(digits)} %`;
}

export function formatCount(value) {
  return value === null || value === undefined ? '—' : value.toLocaleString('en');
}

/** Epoch ms as local "HH:MM" (with the date when not today). */
export function formatTime(ms) {
  if (!ms) return '—';
  const date = new Date(ms);
  const time = date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  return date.toDateString() === new Date().toDateString()
    ? time
    : `${date.toLocaleDateString('en-CA')} ${time}`;
}

export function formatDateTime(ms) {
  if (!ms) return '—';
  return new Date(ms).toLocaleString('en-GB', {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/**
 * Freshness classes of a group, by the share of its members that are fresh
 * (SEMANTICS.md §4: a fresh member's last reading is within the staleness bound).
 */
export const FRESHNESS = [
  { key: 'none', label: 'no status yet', fill: '#c5cbd3', text: '#1f2933' },
  { key: 'dark', label: 'no member fresh', fill: '#c62828', text: '#ffffff' },
  { key: 'poor', label: '< 50 % fresh', fill: '#ef8a3c', text: '#1f2933' },
  { key: 'fair', label: '50–90 % fresh', fill: '#f2d04b', text: '#1f2933' },
  { key: 'good', label: '90–99 % fresh', fill: '#8bc34a', text: '#1f2933' },
  { key: 'all', label: 'all fresh', fill: '#2e7d32', text: '#ffffff' },
];

/** Index into FRESHNESS for a status (undefined: none yet). */
export function freshnessClass(status) {
  if (!status) return 0;
  if (status.members === 0) return 0;
  const share = status.fresh / status.members;
  if (share <= 0) return 1;
  if (share < 0.5) return 2;
  if (share < 0.9) return 3;
  if (share < 1) return 4;
  return 5;
}

/** fresh / members in [0, 1], or -1 when unknown (sorts first as the worst). */
export function freshShare(status) {
  if (!status || status.members === 0) return -1;
  return status.fresh / status.members;
}
