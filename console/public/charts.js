// Line charts with uPlot for every element with a data-chart attribute:
// { x: ["2025-03-01", …], series: [{ label, values: [...] }], yLabel }.
;(() => {
  const palette = [
    '#2563eb',
    '#d97706',
    '#059669',
    '#db2777',
    '#7c3aed',
    '#0891b2',
    '#65a30d',
    '#dc2626',
  ]

  function draw(el) {
    const spec = JSON.parse(el.dataset.chart)
    const x = spec.x.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000)
    const opts = {
      width: Math.max(280, el.clientWidth),
      height: 260,
      scales: { x: { time: true } },
      // Counts: no tick between whole numbers.
      axes: [
        {},
        {
          label: spec.yLabel,
          size: 50,
          values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? t : '')),
        },
      ],
      series: [
        {
          label: 'Day',
          value: (_u, v) => (v == null ? '' : new Date(v * 1000).toISOString().slice(0, 10)),
        },
        ...spec.series.map((s, i) => ({
          label: s.label,
          stroke: palette[i % palette.length],
          width: s.dash ? 2.5 : 2,
          dash: s.dash ? [8, 5] : undefined,
          points: { show: false },
        })),
      ],
    }
    const plot = new uPlot(opts, [x, ...spec.series.map((s) => s.values)], el)
    new ResizeObserver(() =>
      plot.setSize({ width: Math.max(280, el.clientWidth), height: 260 }),
    ).observe(el)
  }

  for (const el of document.querySelectorAll('[data-chart]')) draw(el)
})()
