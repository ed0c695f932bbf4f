// The period picker of the report filter bars: typing dates of one's own switches the
// preset to "Custom dates", so the dates are what the report shows.
"use strict";

(function () {
  function wire() {
    for (const form of document.querySelectorAll("form.filter-bar")) {
      const preset = form.querySelector("select[name=preset]");
      if (!preset || preset.dataset.wired) continue;
      preset.dataset.wired = "1";
      for (const name of ["start", "end"]) {
        const input = form.querySelector(`input[name=${name}]`);
        if (input) input.addEventListener("change", () => (preset.value = "custom"));
      }
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();
