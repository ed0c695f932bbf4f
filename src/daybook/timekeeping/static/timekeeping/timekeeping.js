// The running timer's clock and the entry form's keyboard shortcut, for every page (the timer
// bar is on all of them). Static, like every script: the Content-Security-Policy runs no
// inline <script>. Both work on whatever htmx swaps in, since they look the elements up when
// they act.
"use strict";

(function () {
  if (window.daybookTimekeeping) return;
  window.daybookTimekeeping = true;

  // Elapsed time by the server's clock: the browser's may be off, so measure the difference
  // once from the server time the page was rendered with.
  let skew = null;
  const pad = (n) => String(n).padStart(2, "0");

  function tick() {
    if (skew === null) {
      const stamped = document.querySelector("[data-server-now]");
      if (!stamped) return;
      skew = Date.parse(stamped.dataset.serverNow) - Date.now();
    }
    document.querySelectorAll("[data-timer-start]").forEach((el) => {
      const started = Date.parse(el.dataset.timerStart);
      const s = Math.max(0, Math.floor((Date.now() + skew - started) / 1000));
      el.textContent = `${Math.floor(s / 3600)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
    });
  }

  document.addEventListener("DOMContentLoaded", tick);
  setInterval(tick, 1000);

  // Ctrl+Enter (Cmd+Enter) saves the entry form from any of its fields.
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    const form = event.target.closest && event.target.closest("#entry-form");
    if (!form) return;
    event.preventDefault();
    form.requestSubmit();
  });
})();
