// Stock health: the SKU × location heat map of available stock (ECharts heatmap drawn
// progressively, so thousands of cells stay smooth); stock age and slow movers say
// honestly that they arrive with merchandising.
import { allStock } from '../api.js';
import { formatNumber, t } from '../i18n.js';
import { card, el } from '../dom.js';
import { makeChart } from '../charts.js';

// The most balance rows the page reads (20 pages of 1,000); docs/limits.md.
export const HEATMAP_ROWS_MAX = 20000;

export function render(main) {
  const box = el('div', { class: 'chart tall', role: 'img', 'aria-label': t('heatmap') });
  const caption = el('p', { class: 'hint', 'data-heatmap-cells': '' });
  main.append(
    el('h1', { text: t('nav_stock') }),
    card(t('heatmap'), [caption, box], { 'data-section': 'heatmap' }),
    el('div', { class: 'grid2' }, [
      card(t('stock_age'), [el('p', { class: 'hint', 'data-unavailable': 'stock_age', text: t('not_available_yet') })]),
      card(t('slow_movers'), [el('p', { class: 'hint', 'data-unavailable': 'slow_movers', text: t('not_available_yet') })]),
    ]),
  );
  const heat = makeChart(box);
  let alive = true; // false once the page is left: late answers draw nothing
  (async () => {
    const { items, truncated } = await allStock(HEATMAP_ROWS_MAX);
    if (!alive) return;
    const skus = [...new Set(items.map((r) => r.sku))].sort();
    const locations = [...new Set(items.map((r) => r.location))].sort();
    const skuIndex = new Map(skus.map((s, i) => [s, i]));
    const locationIndex = new Map(locations.map((l, i) => [l, i]));
    const data = items.map((r) => [locationIndex.get(r.location), skuIndex.get(r.sku), r.available]);
    // The colour scale ends at the 95th percentile, so one large cell does not wash
    // out the rest (the scale's handle still reaches the maximum).
    const values = items.map((r) => r.available).sort((a, b) => a - b);
    const high = values.length ? Math.max(1, values[Math.floor(values.length * 0.95)]) : 1;
    caption.textContent =
      t('heatmap_cells', { cells: formatNumber(data.length), skus: formatNumber(skus.length), locations: formatNumber(locations.length) }) +
      (truncated ? ` ${t('heatmap_truncated', { rows: formatNumber(HEATMAP_ROWS_MAX) })}` : '');
    caption.dataset.heatmapCells = String(data.length);
    heat.chart.setOption({
      animation: false,
      tooltip: { position: 'top' },
      grid: { left: 120, right: 24, top: 16, bottom: 96 },
      xAxis: { type: 'category', data: locations, splitArea: { show: false }, axisLabel: { rotate: 30 } },
      yAxis: { type: 'category', data: skus },
      dataZoom: [
        { type: 'slider', yAxisIndex: 0, right: 0, width: 14 },
        { type: 'inside', yAxisIndex: 0 },
      ],
      visualMap: {
        min: 0,
        max: high,
        calculable: true,
        orient: 'horizontal',
        left: 'center',
        bottom: 0,
        inRange: { color: ['#b2182b', '#f7f7a0', '#1a9850'] },
      },
      series: [
        {
          type: 'heatmap',
          name: t('available'),
          data,
          // Large-data mode: draw in chunks of 2,000 once there are more than 3,000 cells.
          progressive: 2000,
          progressiveThreshold: 3000,
          emphasis: { disabled: true },
        },
      ],
    });
  })().catch((error) => main.append(el('p', { class: 'error', role: 'alert', text: t('error', { detail: error.message }) })));
  return () => {
    alive = false;
    heat.dispose();
  };
}
