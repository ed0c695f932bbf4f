// The follow-up composer and the reply boxes on a member's day (no inline scripts: the
// Content-Security-Policy allows scripts from our own files only).
//
// - "Use this wording" puts the tone check's curious rewrite into the message box it belongs
//   to and has htmx check it again at once (the box's hx-trigger listens for tone-recheck).
// - A select marked data-submit-on-change submits its form when a new option is picked: the
//   template picker loads the chosen template.
"use strict";

document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-use-wording]");
  if (!button) return;
  const form = button.closest("form") || document.getElementById(button.dataset.form || "");
  const box = form && form.querySelector("textarea[name=body]");
  if (!box) return;
  box.value = button.dataset.useWording;
  box.focus();
  box.dispatchEvent(new Event("tone-recheck"));
});

document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-submit-on-change]");
  if (select && select.form) select.form.requestSubmit();
});
