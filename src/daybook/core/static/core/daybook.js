// Behaviour every page shares, from attributes instead of inline handlers: the
// Content-Security-Policy runs scripts from our own files only, never onclick= or <script>
// blocks in a page (docs/configuration.md, "Content-Security-Policy").
//
// - data-autosubmit on a select: picking an option submits its form.
// - data-select-on-focus on an input: focusing it selects the whole value, ready to copy.
// - data-confirm="question" on a form: asks before submitting; Cancel keeps the page as is.
// - data-css-<property>="value": sets that CSS property on the element (positions and
//   colours worked out on the server). Set through the CSSOM, which the policy allows,
//   where a style= attribute would be refused. Applied again to content htmx swaps in.
// - .table-responsive: a table wider than its card scrolls inside it; when it does, the
//   wrapper becomes a named, focusable region, so it can be scrolled from the keyboard.
//
// The page loads this file in <head> without defer, so the theme below is chosen before the
// first paint: Bootstrap's data-bs-theme on <html> follows the system's light or dark setting,
// also when it changes while the page is open.
"use strict";

(function () {
  if (window.daybookShared) return;
  window.daybookShared = true;

  const darkQuery = window.matchMedia("(prefers-color-scheme: dark)");
  function followSystemTheme() {
    document.documentElement.dataset.bsTheme = darkQuery.matches ? "dark" : "light";
  }
  followSystemTheme();
  darkQuery.addEventListener("change", followSystemTheme);

  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  document.addEventListener("focusin", (event) => {
    const input = event.target.closest("input[data-select-on-focus]");
    if (input) input.select();
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  const PREFIX = "data-css-";

  function applyCss(root) {
    const elements = [root, ...root.querySelectorAll("*")];
    for (const element of elements) {
      if (!element.getAttributeNames) continue;
      for (const name of element.getAttributeNames()) {
        if (name.startsWith(PREFIX)) {
          element.style.setProperty(name.slice(PREFIX.length), element.getAttribute(name));
        }
      }
    }
  }

  function focusableScrolling(root) {
    const wrappers = root.matches && root.matches(".table-responsive")
      ? [root]
      : root.querySelectorAll(".table-responsive");
    for (const wrapper of wrappers) {
      if (wrapper.hasAttribute("tabindex") || wrapper.scrollWidth <= wrapper.clientWidth) continue;
      const table = wrapper.querySelector("table");
      const caption = table && table.caption ? table.caption.textContent.trim() : "";
      const name = (table && table.getAttribute("aria-label")) || caption || "Table";
      wrapper.setAttribute("tabindex", "0");
      wrapper.setAttribute("role", "region");
      wrapper.setAttribute("aria-label", name + " (scrolls sideways)");
    }
  }

  function prepare(root) {
    applyCss(root);
    focusableScrolling(root);
  }

  document.addEventListener("DOMContentLoaded", () => prepare(document.body));
  document.addEventListener("htmx:load", (event) => prepare(event.detail.elt));
  window.addEventListener("resize", () => focusableScrolling(document.body));
})();
