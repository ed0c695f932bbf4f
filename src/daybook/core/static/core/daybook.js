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
"use strict";

(function () {
  if (window.daybookShared) return;
  window.daybookShared = true;

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

  document.addEventListener("DOMContentLoaded", () => applyCss(document.body));
  document.addEventListener("htmx:load", (event) => applyCss(event.detail.elt));
})();
