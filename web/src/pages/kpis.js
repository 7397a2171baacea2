// KPIs: the 12 as tiles (each [data-kpi=name] shows its number, or "no data" for null —
// never 0) and a day/week/month trend of the chosen one.
// Reads GET /v1/kpis/definitions and GET /v1/kpis?period=day|week|month.
import { ApiError, getJson } from '../api.js';
import { formatNumber, t } from '../i18n.js';
import { card, el } from '../dom.js';
import { makeChart } from '../charts.js';

const PERIODS = ['day', 'week', 'month'];

function shown(value, unit) {
  if (value === null || value === undefined) return t('no_data');
  if (unit === '%' || unit === 'pct' || unit === 'percent') return `${formatNumber(value, 1)}%`;
  if (unit === 'ratio') return `${formatNumber(value * 100, 1)}%`;
  return `${formatNumber(value, 2)}${unit && unit !== 'count' && unit !== 'units' ? ` ${unit}` : ''}`;
}

export function render(main) {
  let period = sessionStorage.getItem('livechain.kpi.period') || 'day';
  let chosen = null;
  let definitions = [];
  let rows = [];
  const tiles = el('div', { class: 'tiles' });
  const chartBox = el('div', { class: 'chart' });
  const chartTitle = el('h2');
  const tabs = el(
    'div',
    { class: 'tabs', role: 'group', 'aria-label': t('period') },
    PERIODS.map((p) => el('button', { type: 'button', 'data-period': p, text: t(p) })),
  );
  main.append(
    el('div', { class: 'page-head' }, [el('h1', { text: t('nav_kpis') }), tabs]),
    tiles,
    el('section', { class: 'card' }, [chartTitle, chartBox]),
  );
  const trend = makeChart(chartBox);
  let alive = true; // false once the page is left: late answers draw nothing

  function drawTrend() {
    // Until a tile is chosen, the first KPI with a number in the latest period.
    const latest = rows.length ? rows[rows.length - 1].kpis ?? {} : {};
    const definition =
      definitions.find((d) => d.name === chosen) ??
      definitions.find((d) => latest[d.name] !== null && latest[d.name] !== undefined) ??
      definitions[0];
    if (!definition) return;
    chosen = definition.name;
    chartTitle.textContent = t('trend', { name: definition.name });
    for (const tile of tiles.children) tile.setAttribute('aria-pressed', String(tile.dataset.kpi === chosen));
    trend.chart.setOption(
      {
        animation: false,
        grid: { left: 56, right: 24, top: 24, bottom: 32 },
        tooltip: { trigger: 'axis' },
        xAxis: { type: 'category', data: rows.map((r) => String(r.start).slice(0, 10)) },
        yAxis: { type: 'value' },
        series: [
          {
            type: 'line',
            name: definition.name,
            connectNulls: false,
            data: rows.map((r) => r.kpis?.[definition.name] ?? null),
            markLine: undefined,
          },
        ],
      },
      true,
    );
  }

  function drawTiles() {
    const latest = rows.length ? rows[rows.length - 1].kpis ?? {} : {};
    tiles.replaceChildren(
      ...definitions.map((d) => {
        const value = latest[d.name] ?? null;
        const tile = el('button', { type: 'button', class: 'tile', 'data-kpi': d.name, title: d.formula ?? '' }, [
          el('span', { class: 'tile-name', text: d.name }),
          el('span', { class: `tile-value${value === null ? ' nodata' : ''}`, text: shown(value, d.unit) }),
          el('span', { class: 'tile-meta', text: [d.group, d.target !== null && d.target !== undefined ? t('target', { value: d.target }) : null].filter(Boolean).join(' · ') }),
        ]);
        tile.addEventListener('click', () => {
          chosen = d.name;
          drawTrend();
        });
        return tile;
      }),
    );
  }

  async function load() {
    for (const button of tabs.children) button.setAttribute('aria-pressed', String(button.dataset.period === period));
    try {
      if (!definitions.length) definitions = (await getJson('/v1/kpis/definitions')).kpis ?? [];
      rows = (await getJson(`/v1/kpis?period=${period}`)).rows ?? [];
      if (!alive) return;
      drawTiles();
      drawTrend();
    } catch (error) {
      const text = error instanceof ApiError && error.status === 404 ? t('kpis_unavailable') : t('error', { detail: error.message });
      tiles.replaceChildren(el('p', { class: 'card error', role: 'alert', text }));
    }
  }
  tabs.addEventListener('click', (event) => {
    const next = event.target.closest('button')?.dataset.period;
    if (!next || next === period) return;
    period = next;
    sessionStorage.setItem('livechain.kpi.period', period);
    load();
  });
  load();
  return () => {
    alive = false;
    trend.dispose();
  };
}
