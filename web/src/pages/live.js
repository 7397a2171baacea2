// Live session: orders per minute, fill rate, available-to-sell of the top SKUs, stock
// by location and alerts — pushed over /v1/stream, no polling.
import { allStock, getJson, openStream } from '../api.js';
import { formatNumber, locale, t } from '../i18n.js';
import { card, el } from '../dom.js';
import { makeChart } from '../charts.js';
import { canCall } from '../access.js';

const TOP_SKUS = 10;
const ALERTS_SHOWN_MAX = 50;
const STOCK_ROWS_MAX = 5000; // the subscription follows every location; this caps the first read
const SUBSCRIPTIONS_MAX = 1000; // the server's stream_subscriptions_max default
// Balances followed live: the first push is one stock message per balance plus up to one
// alert each, and must stay under the server's 4,096-message WebSocket queue.
const PUSH_ROWS_MAX = 2000;

// What to follow: every location when the balances fit one first push (the server
// disconnects a client whose queue passes websocket_queue_messages_max, 4,096 by
// default), else the most reserved SKUs whose balances fit.
function subscription(items) {
  if (items.length <= PUSH_ROWS_MAX) {
    return { locations: [...new Set(items.map((row) => row.location))].slice(0, SUBSCRIPTIONS_MAX) };
  }
  const bySku = new Map();
  for (const row of items) {
    const sku = bySku.get(row.sku) ?? { reserved: 0, rows: 0 };
    sku.reserved += row.reserved;
    sku.rows += 1;
    bySku.set(row.sku, sku);
  }
  const skus = [];
  let rows = 0;
  for (const [sku, v] of [...bySku.entries()].sort((a, b) => b[1].reserved - a[1].reserved)) {
    if (rows + v.rows > PUSH_ROWS_MAX || skus.length === SUBSCRIPTIONS_MAX) break;
    skus.push(sku);
    rows += v.rows;
  }
  return { skus };
}

export function render(main) {
  const rows = new Map(); // "sku|location" -> balance
  const reservedSeen = []; // [at_ms, units] from rising "reserved"
  const ordersValue = el('span', { class: 'metric-value', 'data-metric': 'orders_per_min', text: '—' });
  const fillValue = el('span', { class: 'metric-value', 'data-metric': 'fill_rate', text: '—' });
  const status = el('span', { class: 'status', 'data-stream': 'connecting', text: t('disconnected') });
  const updated = el('p', { class: 'hint', 'data-updated': '' });
  const atsBox = el('div', { class: 'chart', role: 'img', 'aria-label': t('ats_top') });
  const locationBox = el('div', { class: 'chart', role: 'img', 'aria-label': t('stock_by_location') });
  const alertList = el('ol', { class: 'alerts', 'aria-live': 'polite' });
  main.append(
    el('div', { class: 'page-head' }, [el('h1', { text: t('nav_live') }), status]),
    el('div', { class: 'metrics' }, [
      card(t('orders_per_min'), [ordersValue, el('p', { class: 'hint', text: t('orders_per_min_hint') })]),
      card(t('fill_rate'), [fillValue, el('p', { class: 'hint', text: t('fill_rate_hint') })]),
    ]),
    el('div', { class: 'grid2' }, [
      card(t('ats_top'), [atsBox]),
      card(t('stock_by_location'), [locationBox]),
    ]),
    card(t('alerts'), [alertList], { 'data-section': 'alerts' }),
    updated,
  );
  const ats = makeChart(atsBox);
  const byLocation = makeChart(locationBox);

  function redraw() {
    const bySku = new Map();
    const perLocation = new Map();
    for (const row of rows.values()) {
      const sku = bySku.get(row.sku) ?? { available: 0, reserved: 0 };
      sku.available += row.available;
      sku.reserved += row.reserved;
      bySku.set(row.sku, sku);
      const place = perLocation.get(row.location) ?? { available: 0, reserved: 0, in_transit: 0 };
      place.available += row.available;
      place.reserved += row.reserved;
      place.in_transit += row.in_transit ?? 0;
      perLocation.set(row.location, place);
    }
    // Top SKUs: the most reserved right now (what the session is selling), then the most available.
    const top = [...bySku.entries()]
      .sort((a, b) => b[1].reserved - a[1].reserved || b[1].available - a[1].available)
      .slice(0, TOP_SKUS)
      .reverse();
    ats.chart.setOption({
      animation: false,
      grid: { left: 120, right: 16, top: 8, bottom: 24 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'value' },
      yAxis: { type: 'category', data: top.map(([sku]) => sku) },
      series: [{ type: 'bar', name: t('available'), data: top.map(([, v]) => v.available), itemStyle: { color: '#0f5f8c' } }],
    });
    const places = [...perLocation.entries()].sort((a, b) => a[0].localeCompare(b[0]));
    byLocation.chart.setOption({
      animation: false,
      legend: { top: 0 },
      grid: { left: 48, right: 16, top: 32, bottom: 48 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'category', data: places.map(([id]) => id), axisLabel: { rotate: 30 } },
      yAxis: { type: 'value' },
      series: ['available', 'reserved', 'in_transit'].map((field) => ({
        type: 'bar',
        stack: 'stock',
        name: t(field),
        data: places.map(([, v]) => v[field]),
      })),
    });
  }

  function updateOrdersPerMinute(now_ms) {
    while (reservedSeen.length && reservedSeen[0][0] < now_ms - 60000) reservedSeen.shift();
    const units = reservedSeen.reduce((sum, [, n]) => sum + n, 0);
    ordersValue.textContent = formatNumber(units);
  }

  function addAlert(alert) {
    alertList.querySelector('.empty')?.remove();
    const subject = alert.subject ?? alert;
    // Known kinds and severities in the page's language; others as the server names them.
    const named = (prefix, value) => (value ? (t(`${prefix}_${value}`) === `${prefix}_${value}` ? value : t(`${prefix}_${value}`)) : '');
    const text = `${named('severity', alert.severity)} ${named('kind', alert.kind)} ${subject.sku ?? ''} ${subject.location ?? ''}`.trim();
    const item = el('li', { class: `alert sev-${alert.severity ?? 'info'}`, 'data-alert': alert.kind ?? '' }, [
      el('time', { text: new Date(alert.at ?? alert.raised_at ?? Date.now()).toLocaleTimeString(locale()) }),
      el('span', { text: ` ${text}` }),
    ]);
    alertList.prepend(item);
    while (alertList.children.length > ALERTS_SHOWN_MAX) alertList.lastElementChild.remove();
  }

  let timer = null;
  let alive = true; // false once the page is left: late answers and frames draw nothing
  let redrawPending = false;
  function scheduleRedraw() {
    if (redrawPending) return;
    redrawPending = true;
    requestAnimationFrame(() => {
      redrawPending = false;
      if (alive) redraw();
    });
  }

  function onMessage(message) {
    if (message.type === 'stock') {
      const key = `${message.sku}|${message.location}`;
      const before = rows.get(key);
      if (before && message.reserved > before.reserved) reservedSeen.push([Date.now(), message.reserved - before.reserved]);
      rows.set(key, message);
      updateOrdersPerMinute(Date.now());
      updated.textContent = t('last_update', { time: new Date().toLocaleTimeString(locale()) });
      updated.dataset.updated = String(Date.now());
      scheduleRedraw();
    } else if (message.type === 'alert') {
      addAlert(message);
    }
  }

  let closeStream = null;
  (async () => {
    const { items } = await allStock(STOCK_ROWS_MAX);
    if (!alive) return;
    for (const row of items) rows.set(`${row.sku}|${row.location}`, row);
    redraw();
    updateOrdersPerMinute(Date.now());
    closeStream = openStream(subscription(items), onMessage, (up) => {
      status.textContent = up ? t('connected') : t('disconnected');
      status.dataset.stream = up ? 'open' : 'closed';
    });
    timer = setInterval(() => updateOrdersPerMinute(Date.now()), 5000);
    try {
      if (!canCall('GET /v1/alerts')) throw new Error('alerts_read');
      const alerts = await getJson('/v1/alerts?limit=20');
      const list = alerts.alerts ?? [];
      if (!list.length && !alertList.children.length) alertList.append(el('li', { class: 'empty', text: t('no_alerts') }));
      for (const alert of list.slice().reverse()) addAlert(alert);
    } catch {
      alertList.append(el('li', { class: 'empty', text: t('no_alerts') }));
    }
    try {
      if (!canCall('GET /v1/kpis')) throw new Error('no KPI route');
      const kpi = await getJson('/v1/kpis?period=day');
      const last = kpi.rows?.[kpi.rows.length - 1]?.kpis ?? {};
      // GET /v1/kpis names it order_fill_rate_percent (docs/kpi.md): already a percentage.
      const value = last.order_fill_rate_percent ?? null;
      fillValue.textContent = value === null ? t('no_data') : `${formatNumber(value, 1)}%`;
    } catch {
      fillValue.textContent = t('no_data');
    }
  })().catch((error) => main.append(el('p', { class: 'error', role: 'alert', text: t('error', { detail: error.message }) })));

  return () => {
    alive = false;
    closeStream?.();
    clearInterval(timer);
    ats.dispose();
    byLocation.dispose();
  };
}
