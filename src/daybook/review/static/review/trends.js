// Team trends: one line chart per team of the shares its table holds (Chart.js, loaded before
// this file). The figures come from json_script beside each canvas: canvas "trend-chart-N",
// figures "trend-data-N". A static file: the Content-Security-Policy allows no inline script.
// Colours come from the Bootstrap theme, so the charts read in light and dark mode, and are
// drawn again when the theme changes.
"use strict";

(function () {
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  const COLOURS = ["--bs-primary", "--bs-success", "--bs-warning"];
  const shown = [];

  function chartFor(canvas, figures) {
    const text = css("--bs-body-color");
    const grid = css("--bs-border-color");
    const axis = { ticks: { color: text }, grid: { color: grid }, border: { color: grid } };
    return new Chart(canvas, {
      type: "line",
      data: {
        labels: figures.labels,
        datasets: figures.series.map(([label, values], i) => ({
          label,
          data: values,
          borderColor: css(COLOURS[i % COLOURS.length]),
          backgroundColor: css(COLOURS[i % COLOURS.length]),
          pointRadius: 3,
          spanGaps: true,
        })),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { color: text, boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: (ctx) =>
                `${ctx.dataset.label}: ${ctx.parsed.y === null ? "—" : ctx.parsed.y.toFixed(1) + " %"}`,
            },
          },
        },
        scales: {
          x: { ...axis, title: { display: true, text: "Week of", color: text } },
          y: {
            ...axis,
            min: 0,
            max: 100,
            ticks: { color: text, callback: (v) => `${v} %` },
          },
        },
      },
    });
  }

  function draw() {
    if (typeof Chart === "undefined") return; // the tables hold every figure anyway
    while (shown.length) shown.pop().destroy();
    document.querySelectorAll("canvas[data-trend]").forEach((canvas) => {
      const figures = document.getElementById(canvas.dataset.trend);
      if (figures) shown.push(chartFor(canvas, JSON.parse(figures.textContent)));
    });
  }

  function start() {
    draw();
    new MutationObserver(draw).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-bs-theme"],
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
