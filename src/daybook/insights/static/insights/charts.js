// Draws the report charts (Chart.js) from the figures each page embeds beside its canvas with
// json_script: canvas "<name>-chart", figures "<name>-data". One static file for every
// report, so the pages need no inline <script> under the Content-Security-Policy.
// Colours come from the page's Bootstrap theme (CSS variables), so the charts read in light
// and dark mode, and are redrawn when the theme changes.
"use strict";

(function () {
  const css = (name) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  // Series colours: Bootstrap's own, mid-tone enough for both themes.
  const PALETTE = ["--bs-primary", "--bs-danger", "--bs-success", "--bs-warning", "--bs-info",
    "--bs-purple", "--bs-orange", "--bs-teal", "--bs-pink", "--bs-indigo", "--bs-cyan",
    "--bs-secondary"];
  const FALLBACK = ["#0d6efd", "#dc3545", "#198754", "#ffc107", "#0dcaf0", "#6f42c1",
    "#fd7e14", "#20c997", "#d63384", "#6610f2", "#0dcaf0", "#6c757d"];
  const colour = (i) => css(PALETTE[i % PALETTE.length]) || FALLBACK[i % FALLBACK.length];

  const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  const money = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const hoursText = (h) => {
    if (h === null || h === undefined) return "—";
    const total = Math.round(h * 60);
    const sign = total < 0 ? "-" : "";
    const whole = Math.floor(Math.abs(total) / 60);
    const minutes = Math.abs(total) % 60;
    return whole ? `${sign}${whole} h ${String(minutes).padStart(2, "0")} min` : `${sign}${minutes} min`;
  };
  const UNITS = {
    hours: { tick: (v) => `${number.format(v)} h`, tip: hoursText, title: "Hours" },
    money: { tick: (v) => number.format(v), tip: (v) => money.format(v), title: "Amount" },
    percent: { tick: (v) => `${v} %`, tip: (v) => (v === null ? "—" : `${number.format(v)} %`), title: "%" },
  };

  const dashedWhereProjected = (d) => (ctx) => (d.projected[ctx.p1DataIndex] ? [6, 4] : undefined);

  const CHARTS = {
    burn: (d) => ({
      type: "line",
      unit: "hours",
      data: {
        labels: d.labels,
        datasets: [
          { label: "Hours remaining", data: d.remaining },
          { label: "Hours drawn", data: d.drawn },
        ],
      },
    }),
    capacity: (d) => ({
      type: "line",
      unit: "percent",
      data: {
        labels: d.labels,
        datasets: d.teams.map((t) => ({ label: `${t.team} utilization`, data: t.utilization })),
      },
    }),
    forecast: (d) => {
      const dashed = dashedWhereProjected(d);
      return {
        type: "line",
        unit: "money",
        data: {
          labels: d.labels,
          datasets: [
            { label: "Revenue", data: d.revenue, segment: { borderDash: dashed } },
            { label: "Labour cost", data: d.cost, segment: { borderDash: dashed } },
            { label: "Margin", data: d.margin, segment: { borderDash: dashed } },
          ],
        },
      };
    },
    profitability: (d) => ({
      type: "bar",
      unit: "money",
      data: {
        labels: d.labels,
        datasets: [
          { label: "Revenue", data: d.revenue },
          { label: "Labour cost", data: d.cost },
          { label: "Margin", data: d.margin },
        ],
      },
    }),
    projects: (d) => ({
      type: "bar",
      unit: "hours",
      data: {
        labels: d.labels,
        datasets: [
          { label: "Estimated hours", data: d.estimate },
          { label: "Actual hours", data: d.actual },
        ],
      },
    }),
    sla: (d) => ({
      type: "line",
      unit: "percent",
      data: {
        labels: d.labels,
        datasets: [
          { label: "Respond met", data: d.respond },
          { label: "Resolve met", data: d.resolve },
        ],
      },
      scales: { y: { min: 0, max: 100 } },
    }),
    statement: (d) => ({
      type: "bar",
      unit: "hours",
      data: { labels: d.labels, datasets: [{ label: "Hours", data: d.hours }] },
    }),
    workload: (d) => ({
      type: "bar",
      unit: "hours",
      data: { labels: d.labels, datasets: d.datasets },
      scales: { x: { stacked: true }, y: { stacked: true } },
    }),
  };

  // Axes, legend and hover values in the theme's colours, values with their unit.
  function configure(spec) {
    const unit = UNITS[spec.unit];
    const text = css("--bs-body-color") || "#212529";
    const grid = css("--bs-border-color-translucent") || css("--bs-border-color") || "#dee2e6";
    spec.data.datasets.forEach((set, i) => {
      const c = colour(i);
      set.borderColor = c;
      set.backgroundColor = c;
      if (spec.type === "line") set.pointRadius = 3;
    });
    const axis = (extra) => ({
      ticks: { color: text },
      grid: { color: grid },
      border: { color: grid },
      ...extra,
    });
    const scales = spec.scales || {};
    return {
      type: spec.type,
      data: spec.data,
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false, // figures, not a show: drawn at once, also for print and screenshots
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { color: text, boxWidth: 12 } },
          tooltip: {
            callbacks: { label: (ctx) => `${ctx.dataset.label}: ${unit.tip(ctx.parsed.y)}` },
          },
        },
        scales: {
          x: axis({ ...(scales.x || {}), ticks: { color: text, autoSkip: true, maxRotation: 45 } }),
          y: axis({
            beginAtZero: true,
            ...(scales.y || {}),
            ticks: { color: text, callback: unit.tick },
            title: { display: true, text: unit.title, color: text },
          }),
        },
      },
    };
  }

  const drawn = [];

  function draw() {
    if (typeof Chart === "undefined") return; // the tables say it all without the charts
    while (drawn.length) drawn.pop().destroy();
    for (const [name, build] of Object.entries(CHARTS)) {
      const canvas = document.getElementById(`${name}-chart`);
      const figures = document.getElementById(`${name}-data`);
      if (canvas && figures) {
        drawn.push(new Chart(canvas, configure(build(JSON.parse(figures.textContent)))));
      }
    }
  }

  function start() {
    draw();
    // Redraw in the new colours when the theme switches (system dark mode on or off).
    new MutationObserver(draw).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ["data-bs-theme"],
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
