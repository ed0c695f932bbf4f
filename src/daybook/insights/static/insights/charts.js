// Draws the report charts (Chart.js) from the figures each page embeds beside its canvas with
// json_script: canvas "<name>-chart", figures "<name>-data". One static file for every
// report, so the pages need no inline <script> under the Content-Security-Policy.
"use strict";

(function () {
  const dashedWhereProjected = (d) => (ctx) => (d.projected[ctx.p1DataIndex] ? [6, 4] : undefined);

  const CHARTS = {
    burn: (d) => ({
      type: "line",
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
      data: {
        labels: d.labels,
        datasets: d.teams.map((t) => ({ label: `${t.team} utilization %`, data: t.utilization })),
      },
    }),
    forecast: (d) => {
      const dashed = dashedWhereProjected(d);
      return {
        type: "line",
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
      data: {
        labels: d.labels,
        datasets: [
          { label: "Revenue", data: d.revenue },
          { label: "Labour cost", data: d.cost },
          { label: "Margin", data: d.margin },
        ],
      },
      options: { responsive: true },
    }),
    projects: (d) => ({
      type: "bar",
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
      data: {
        labels: d.labels,
        datasets: [
          { label: "Respond % met", data: d.respond },
          { label: "Resolve % met", data: d.resolve },
        ],
      },
      options: { scales: { y: { min: 0, max: 100 } } },
    }),
    statement: (d) => ({
      type: "bar",
      data: { labels: d.labels, datasets: [{ label: "Hours", data: d.hours }] },
    }),
    workload: (d) => ({
      type: "bar",
      data: { labels: d.labels, datasets: d.datasets },
      options: { scales: { x: { stacked: true }, y: { stacked: true } } },
    }),
  };

  function draw() {
    if (typeof Chart === "undefined") return; // the table below says it all without the chart
    for (const [name, build] of Object.entries(CHARTS)) {
      const canvas = document.getElementById(`${name}-chart`);
      const figures = document.getElementById(`${name}-data`);
      if (canvas && figures) new Chart(canvas, build(JSON.parse(figures.textContent)));
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
