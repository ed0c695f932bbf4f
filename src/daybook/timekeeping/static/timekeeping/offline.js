// Working without a network: registers the service worker (core/static/core/sw.js), keeps
// entries saved offline in this browser (IndexedDB) and sends them when the network is back.
//
// - Saving the log-time form or the stop form while offline keeps the entry here, with a key
//   made now (crypto.randomUUID()). Sending it twice never makes two entries: the server
//   answers a key it has seen with the entry it saved then (entry_log's client_key).
// - A stop goes to POST /api/timer/stop/ with the moment it was saved (`at`), so the server
//   turns its own running timer into the entry, as a stop online does; an entry goes to POST
//   /api/time-entries/. Both end in entry_log, with every rule the web form has.
// - Sent at page load and on the browser's "online" event. A refusal (the server's message)
//   moves the entry to My Day's "Not saved" list, to be corrected and sent again or discarded;
//   a network failure or a missing sign-in keeps it waiting. Nothing is dropped silently.
// - Entries are kept per signed-in user and only sent while that user is signed in.
"use strict";

(function () {
  if (window.daybookOffline) return;
  window.daybookOffline = true;

  const script = document.getElementById("offline-script");
  if (!script) return;
  const cfg = script.dataset;
  const user = cfg.user;
  const PAGES_CACHE = "daybook-pages"; // the service worker's kept pages (sw.js)

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(cfg.worker, { scope: "/" }).catch(() => {});
  }
  if (!user || !("indexedDB" in window)) return;

  // --- the store ---------------------------------------------------------------------------

  function openStore() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open("daybook-offline", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("items", { keyPath: "key" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }

  async function store(mode, act) {
    const db = await openStore();
    return new Promise((resolve, reject) => {
      const tx = db.transaction("items", mode);
      const result = act(tx.objectStore("items"));
      tx.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
      tx.onerror = () => reject(tx.error);
    });
  }

  async function items() {
    const all = (await store("readonly", (s) => s.getAll())) || [];
    return all.filter((item) => item.user === user).sort((a, b) => a.savedAt - b.savedAt);
  }
  const getItem = (key) => store("readonly", (s) => s.get(key));
  const putItem = (item) => store("readwrite", (s) => s.put(item));
  const dropItem = (key) => store("readwrite", (s) => s.delete(key));

  // --- times in the member's zone ----------------------------------------------------------

  // My Day names the member's zone; the form's times are wall-clock times in it.
  const ZONE_KEY = `daybook-zone-${user}`;
  const queuePanel = document.getElementById("offline-queue");
  if (queuePanel && queuePanel.dataset.zone) localStorage.setItem(ZONE_KEY, queuePanel.dataset.zone);
  const zone = localStorage.getItem(ZONE_KEY) || Intl.DateTimeFormat().resolvedOptions().timeZone;

  function wallParts(ms) {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).formatToParts(new Date(ms));
    const get = (type) => parts.find((p) => p.type === type).value;
    return {
      y: get("year"),
      m: get("month"),
      d: get("day"),
      hh: get("hour"),
      mm: get("minute"),
      ss: get("second"),
    };
  }

  function zoneOffset(ms) {
    const p = wallParts(ms);
    return Date.UTC(+p.y, +p.m - 1, +p.d, +p.hh, +p.mm, +p.ss) - Math.floor(ms / 1000) * 1000;
  }

  // "2025-03-14T10:00" in the member's zone -> an ISO time with its offset (UTC).
  function wallToIso(value) {
    const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?/.exec(value || "");
    if (!match) return null;
    const [, y, m, d, hh, mm, ss] = match;
    const asUtc = Date.UTC(+y, +m - 1, +d, +hh, +mm, +(ss || 0));
    let guess = asUtc - zoneOffset(asUtc);
    guess = asUtc - zoneOffset(guess); // again, in case the first guess crossed a DST change
    return new Date(guess).toISOString();
  }

  function isoToWall(iso) {
    const p = wallParts(Date.parse(iso));
    return `${p.y}-${p.m}-${p.d}T${p.hh}:${p.mm}`;
  }

  function span(item) {
    const start = wallParts(Date.parse(item.start));
    const end = wallParts(Date.parse(item.end));
    return `${start.y}-${start.m}-${start.d} ${start.hh}:${start.mm}–${end.hh}:${end.mm}`;
  }

  // --- the banner ----------------------------------------------------------------------------

  function banner() {
    let box = document.getElementById("offline-banner");
    if (navigator.onLine) {
      if (box) box.remove();
      return;
    }
    if (box) return;
    box = document.createElement("div");
    box.id = "offline-banner";
    box.className = "alert alert-warning py-2";
    box.setAttribute("role", "status");
    box.textContent =
      "You're offline. Entries you save are kept on this device and sent when you're back online.";
    const main = document.getElementById("content");
    if (main) main.insertBefore(box, main.firstChild);
  }

  // A page opened offline comes from the kept copy, rendered earlier: the timer clock must
  // not measure from the server time written into it then.
  if (!navigator.onLine) {
    const now = new Date().toISOString();
    document.querySelectorAll("[data-server-now]").forEach((el) => {
      el.dataset.serverNow = now;
    });
  }

  // --- My Day's lists ------------------------------------------------------------------------

  function row(item) {
    const li = document.createElement("li");
    li.className = "list-group-item offline-item";
    li.dataset.key = item.key;
    const what = document.createElement("div");
    what.className = "fw-semibold";
    what.textContent = `${span(item)} · ${item.label}`;
    li.append(what);
    if (item.body.notes) {
      const notes = document.createElement("div");
      notes.className = "small text-body-secondary";
      notes.textContent = item.body.notes;
      li.append(notes);
    }
    if (item.state !== "refused") return li;
    const why = document.createElement("div");
    why.className = "text-danger-emphasis small offline-message";
    why.textContent = item.message;
    const actions = document.createElement("div");
    actions.className = "d-flex gap-2 mt-1";
    const edit = document.createElement("a");
    edit.className = "btn btn-sm btn-outline-primary";
    edit.href = `${cfg.new}?offline=${encodeURIComponent(item.key)}`;
    edit.textContent = "Correct and send again";
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-sm btn-outline-secondary";
    discard.textContent = "Discard";
    discard.addEventListener("click", async () => {
      if (!window.confirm("Discard this entry? It was never saved in Daybook.")) return;
      await dropItem(item.key);
      render();
    });
    actions.append(edit, discard);
    li.append(why, actions);
    return li;
  }

  async function render() {
    if (!queuePanel) return;
    const all = await items();
    const lists = { refused: [], waiting: [] };
    all.forEach((item) => lists[item.state === "refused" ? "refused" : "waiting"].push(item));
    for (const [state, list] of Object.entries(lists)) {
      const box = document.getElementById(`offline-${state}`);
      box.querySelector("ul").replaceChildren(...list.map(row));
      box.hidden = list.length === 0;
    }
    queuePanel.hidden = all.length === 0;
  }

  // --- sending -------------------------------------------------------------------------------

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  // Every sentence of a DRF error answer ({"start": ["..."]}, {"detail": "..."}), in order.
  function messages(data) {
    if (typeof data === "string") return [data];
    if (!data || typeof data !== "object") return [];
    return Object.values(data).flatMap((value) => messages(value));
  }

  let sending = null;

  // Sends every waiting entry in the order saved; true when any was saved or refused.
  function sync() {
    if (!sending) sending = sendAll().finally(() => (sending = null));
    return sending;
  }

  async function sendAll() {
    if (!navigator.onLine) return false;
    let changed = false;
    for (const item of await items()) {
      if (item.state === "refused") continue;
      let response;
      try {
        response = await fetch(item.kind === "stop" ? cfg.stopApi : cfg.entriesApi, {
          method: "POST",
          credentials: "same-origin",
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRFToken": csrfToken(),
          },
          body: JSON.stringify({ ...item.body, client_key: item.key }),
        });
      } catch (error) {
        break; // The network is not back after all: everything stays waiting.
      }
      if (response.ok) {
        await dropItem(item.key);
        changed = true;
      } else if ([400, 404, 409].includes(response.status)) {
        const data = await response.json().catch(() => null);
        item.state = "refused";
        item.message = messages(data).join(" ") || "Daybook refused this entry.";
        await putItem(item);
        changed = true;
      } else {
        break; // Signed out, or the server is unwell: try again later.
      }
    }
    return changed;
  }

  async function syncAndShow() {
    const changed = await sync();
    if (changed && queuePanel) {
      // The day's entries changed on the server: show them as it has them now.
      window.location.reload();
      return;
    }
    render();
  }

  // --- the entry forms -----------------------------------------------------------------------

  const path = window.location.pathname;
  const params = new URLSearchParams(window.location.search);
  const editing = path === cfg.new ? params.get("offline") : null;
  const value = (form, name) => {
    const field = form.elements.namedItem(name);
    if (!field) return null;
    return "value" in field ? field.value : null;
  };
  const number = (text) => {
    const match = /#?\s*(\d+)/.exec(text || "");
    return match ? Number(match[1]) : null;
  };

  function details(form) {
    const body = {
      work_type: number(value(form, "work_type")),
      notes: value(form, "notes") || "",
      internal_notes: value(form, "internal_notes") || "",
    };
    const role = number(value(form, "work_role"));
    if (role) body.work_role = role;
    const billable = value(form, "billable");
    if (billable) body.billable = billable;
    const next = value(form, "next_status");
    if (next) body.next_status = next;
    return body;
  }

  function timerTicket(form) {
    const target = form.closest("#entry-form-section")?.querySelector(".target");
    return target ? number(target.textContent) : null;
  }

  function fromForm(form, key) {
    const savedAt = Date.now();
    if (path === cfg.stop) {
      const clock = form.closest("#entry-form-section")?.querySelector("[data-timer-start]");
      const at = new Date(savedAt).toISOString();
      const ticket = timerTicket(form);
      return {
        key,
        user,
        kind: "stop",
        state: "waiting",
        savedAt,
        start: clock ? new Date(Date.parse(clock.dataset.timerStart)).toISOString() : at,
        end: at,
        ticket,
        label: ticket ? `#${ticket}` : "Internal time",
        body: { ...details(form), at },
      };
    }
    const ticketText = value(form, "ticket") || "";
    const ticket = number(ticketText);
    const phaseField = form.elements.namedItem("phase");
    const phase = number(value(form, "phase"));
    const start = wallToIso(value(form, "start"));
    const end = wallToIso(value(form, "end"));
    let label = "Internal time";
    if (ticket) label = `#${ticket}`;
    else if (phase && phaseField.selectedOptions) label = phaseField.selectedOptions[0].textContent;
    return {
      key,
      user,
      kind: "entry",
      state: "waiting",
      savedAt,
      start,
      end,
      ticket,
      label,
      body: { ...details(form), start, end, ticket, phase },
    };
  }

  // Offline, or correcting an entry that was refused: the form keeps the entry here and
  // sends it from here, not by posting the page.
  document.addEventListener(
    "submit",
    async (event) => {
      const form = event.target;
      if (!(form instanceof HTMLFormElement) || form.id !== "entry-form") return;
      if (path !== cfg.new && path !== cfg.stop) return;
      if (navigator.onLine && !editing) return;
      event.preventDefault();
      const item = fromForm(form, editing || crypto.randomUUID());
      if (!item.start || !item.end) {
        window.alert("Give the start and the end of the work.");
        return;
      }
      await putItem(item);
      await sync();
      window.location.assign(cfg.day);
    },
    true,
  );

  // The form opened to correct a refused entry: put back what was typed before.
  async function refill() {
    const item = editing && (await getItem(editing));
    if (!item || item.user !== user) return;
    const form = document.getElementById("entry-form");
    if (!form) return;
    const set = (name, text) => {
      const field = form.elements.namedItem(name);
      if (field && text !== undefined && text !== null) field.value = String(text);
    };
    set("ticket", item.ticket || "");
    if (item.body.phase) set("phase", item.body.phase);
    set("start", isoToWall(item.start));
    set("end", isoToWall(item.end));
    for (const name of ["work_type", "work_role", "billable", "notes", "internal_notes"]) {
      set(name, item.body[name]);
    }
    const note = document.createElement("div");
    note.className = "alert alert-danger py-2";
    note.setAttribute("role", "alert");
    note.textContent = `Not saved: ${item.message} Correct it and save to send it again.`;
    form.prepend(note);
  }

  // Offline, the kept copy of the form knows nothing of the times or ticket in the address
  // (a gap's "log it" link); put them in as the server would have.
  function fillFromAddress() {
    const form = document.getElementById("entry-form");
    if (!form || navigator.onLine || path !== cfg.new) return;
    for (const name of ["start", "end", "ticket"]) {
      const field = form.elements.namedItem(name);
      if (field && params.get(name)) field.value = params.get(name);
    }
  }

  // While online, keep the stop form of the running timer, to stop it offline later.
  async function keepStopForm() {
    if (!navigator.onLine || !("caches" in window)) return;
    const cache = await caches.open(PAGES_CACHE);
    const stopUrl = new URL(cfg.stop, window.location.href).href;
    if (!document.querySelector("#timer-bar.running")) {
      await cache.delete(stopUrl);
      return;
    }
    try {
      const response = await fetch(stopUrl, { credentials: "same-origin" });
      if (response.ok && !response.redirected) await cache.put(stopUrl, response);
    } catch (error) {
      // Offline after all; the copy kept before stays.
    }
  }

  banner();
  window.addEventListener("online", () => {
    banner();
    syncAndShow();
  });
  window.addEventListener("offline", banner);
  document.addEventListener("DOMContentLoaded", () => {
    banner();
    refill();
    fillFromAddress();
    if (path === cfg.day || queuePanel) keepStopForm();
    syncAndShow();
  });
})();
