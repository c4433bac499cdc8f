// Guichet agent screens: keyboard shortcuts, canned answers, presence and live updates.
// One small ES module, no build step. Pages work without it; it only makes them faster.
const body = document.body;
const csrf = body.dataset.csrf || "";
const me = Number(body.dataset.user || 0);
const page = body.dataset.page || "";
const $ = (s, r = document) => r.querySelector(s);
const $$ = (s, r = document) => Array.from(r.querySelectorAll(s));

function post(url, fields) {
  const data = new URLSearchParams(fields);
  return fetch(url, {
    method: "POST",
    headers: { "X-CSRF-Token": csrf, "Content-Type": "application/x-www-form-urlencoded" },
    body: data,
    credentials: "same-origin",
  });
}

function say(text) {
  const n = $("#live-note");
  if (!n) return;
  n.textContent = text;
  n.hidden = false;
}

// ---------- keyboard ----------
function typing(el) {
  return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
}

let selected = -1;
function rows() {
  return $$("#case-rows tr.case-row");
}
function select(i) {
  const r = rows();
  if (!r.length) return;
  selected = Math.max(0, Math.min(i, r.length - 1));
  r.forEach((tr, k) => {
    tr.classList.toggle("selected", k === selected);
    tr.setAttribute("aria-selected", k === selected ? "true" : "false");
  });
  r[selected].scrollIntoView({ block: "nearest" });
  const link = $("a.case-link", r[selected]);
  if (link) link.focus({ preventScroll: true });
}

function focusComposer(mode) {
  const b = $("#body");
  if (!b) return;
  const radio = $(mode === "note" ? "#mode-note" : "#mode-reply");
  if (radio) radio.checked = true;
  b.focus();
}

document.addEventListener("keydown", (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  if (typing(e.target)) {
    if (e.key === "Escape") e.target.blur();
    return;
  }
  const help = $("#help");
  switch (e.key) {
    case "?":
      if (help && !help.open) help.showModal();
      break;
    case "/": {
      const q = $("#q") || $("#q-top");
      if (q) { e.preventDefault(); q.focus(); q.select(); }
      break;
    }
    case "j":
      if (rows().length) { e.preventDefault(); select(selected + 1); }
      break;
    case "k":
      if (rows().length) { e.preventDefault(); select(selected - 1); }
      break;
    case "Enter": {
      const r = rows()[selected];
      if (r && document.activeElement && !document.activeElement.closest("form")) {
        e.preventDefault();
        location.href = r.dataset.href;
      }
      break;
    }
    case "r":
      if ($("#body")) { e.preventDefault(); focusComposer("reply"); }
      break;
    case "n":
      if ($("#body")) { e.preventDefault(); focusComposer("note"); }
      break;
    case "a":
      if ($("#p-assignee")) { e.preventDefault(); $("#p-assignee").focus(); }
      break;
    case "s":
      if ($("#p-status")) { e.preventDefault(); $("#p-status").focus(); }
      break;
    case "c":
      e.preventDefault();
      location.href = "/contact/new";
      break;
    default:
      return;
  }
});

// Select the first row of a list on arrival, so j/k/Enter work at once.
if (rows().length) select(0);
document.addEventListener("click", (e) => {
  const tr = e.target.closest && e.target.closest("tr.case-row");
  if (tr && !e.target.closest("a")) location.href = tr.dataset.href;
});

// ---------- canned answers (E1) ----------
const composer = $("#body");
const SHORTCUT = /;([\p{L}\p{N}_-]{1,32})(\s?)$/u;

async function expand(textarea, shortcut, start, end) {
  const url = `${textarea.dataset.cannedUrl}?shortcut=${encodeURIComponent(shortcut)}`;
  const r = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  if (!r.ok) return false;
  const c = await r.json();
  const v = textarea.value;
  textarea.value = v.slice(0, start) + c.text + v.slice(end);
  const caret = start + c.text.length;
  textarea.setSelectionRange(caret, caret);
  const pv = $("#canned-preview");
  if (pv) {
    $("#canned-title").textContent = c.title;
    $("#canned-text").textContent = c.text;
    pv.hidden = false;
  }
  textarea.dispatchEvent(new Event("canned"));
  return true;
}

function shortcutBeforeCaret(t) {
  const before = t.value.slice(0, t.selectionStart);
  const m = before.match(SHORTCUT);
  if (!m) return null;
  const start = before.length - m[0].length;
  // Only at the start of a word: "a;b" is not a shortcut.
  if (start > 0 && !/\s/.test(before[start - 1])) return null;
  return { shortcut: m[1], start, end: t.selectionStart, spaced: m[2] !== "" };
}

if (composer) {
  composer.addEventListener("keydown", (e) => {
    if (e.key !== "Tab") return;
    const s = shortcutBeforeCaret(composer);
    if (!s || s.spaced) return;
    e.preventDefault();
    expand(composer, s.shortcut, s.start, s.end);
  });
  composer.addEventListener("input", (e) => {
    if (e.data !== " ") return;
    const s = shortcutBeforeCaret(composer);
    if (s && s.spaced) expand(composer, s.shortcut, s.start, s.end);
  });
  $$(".canned-pick").forEach((b) =>
    b.addEventListener("click", () => {
      const at = composer.selectionStart ?? composer.value.length;
      expand(composer, b.dataset.shortcut, at, composer.selectionEnd ?? at).then(() => composer.focus());
    }),
  );
}

// ---------- presence (E4) ----------
const caseEl = $("#case");
const caseId = caseEl ? Number(caseEl.dataset.case) : 0;
let presenceState = "viewing";
let lastReplying = 0;
function ping(state) {
  presenceState = state;
  if (caseId) post(`/cases/${caseId}/presence`, { state }).catch(() => {});
}
if (caseId) {
  ping("viewing");
  // A page that replaced another of the same case (a form saved) says so once more: the
  // previous page's "left" beacon may reach the server after this page's first ping.
  setTimeout(() => ping(presenceState), 1500);
  setInterval(() => ping(presenceState), 20000);
  if (composer) {
    composer.addEventListener("input", () => {
      const now = Date.now();
      if (presenceState !== "replying" || now - lastReplying > 10000) {
        lastReplying = now;
        ping("replying");
      }
    });
    composer.addEventListener("blur", () => { if (!composer.value.trim()) ping("viewing"); });
  }
  window.addEventListener("pagehide", () => {
    navigator.sendBeacon(`/cases/${caseId}/presence`, new URLSearchParams({ state: "left", csrf }));
  });
}

const presence = new Map();
function drawPresence() {
  const p = $("#presence");
  if (!p) return;
  const label = (name, state) => (p.dataset[state] || "%s").replace("%s", name);
  p.replaceChildren(
    ...Array.from(presence.entries()).map(([id, v]) => {
      const s = document.createElement("span");
      s.className = `who who-${v.state}`;
      s.dataset.user = id;
      s.textContent = label(v.name, v.state);
      return s;
    }),
  );
}
$$("#presence .who").forEach((s) => {
  presence.set(Number(s.dataset.user), { name: s.dataset.name, state: s.className.includes("replying") ? "replying" : "viewing" });
});

// ---------- live updates ----------
let pending = null;
let visitorTyping = null;
function soon(fn) {
  clearTimeout(pending);
  pending = setTimeout(fn, 250);
}

async function refreshList() {
  const r = await fetch(location.pathname + location.search, { credentials: "same-origin" });
  if (!r.ok) return;
  const doc = new DOMParser().parseFromString(await r.text(), "text/html");
  const rowsNew = $("#case-rows", doc);
  const views = $(".views", doc);
  if (rowsNew) $("#case-rows").replaceChildren(...rowsNew.childNodes);
  if (views && $(".views")) $(".views").replaceChildren(...views.childNodes);
  if (rows().length) select(Math.min(Math.max(selected, 0), rows().length - 1));
}

async function refreshTimeline() {
  const r = await fetch(`/cases/${caseId}/timeline`, { credentials: "same-origin" });
  if (r.ok) $("#timeline").innerHTML = await r.text();
}

// Every agent page keeps the live stream open: the inbox and the case page follow it, and
// an open stream is what keeps the agent's chat status counting.
if (page && page !== "login") {
  const es = new EventSource("/live");
  es.addEventListener("ready", () => body.setAttribute("data-live", "on"));
  es.addEventListener("case", (m) => {
    const ev = JSON.parse(m.data);
    if (page === "inbox") soon(refreshList);
    if (page === "case" && ev.case_id === caseId && ev.actor_id !== me) {
      soon(refreshTimeline);
      const note = $("#live-note");
      say(`${(note && note.dataset.updated) || "Updated by %s"}`.replace("%s", ev.actor_name));
    }
  });
  es.addEventListener("presence", (m) => {
    const ev = JSON.parse(m.data);
    if (ev.case_id !== caseId) return;
    if (ev.state === "left") presence.delete(ev.user_id);
    else presence.set(ev.user_id, { name: ev.name, state: ev.state });
    drawPresence();
  });
  // The customer typing in a live chat: shown for a few seconds (they signal while typing).
  es.addEventListener("chat-typing", (m) => {
    const ev = JSON.parse(m.data);
    if (page !== "case" || ev.case_id !== caseId) return;
    presence.set(-1, { name: "", state: "visitorTyping" });
    drawPresence();
    clearTimeout(visitorTyping);
    visitorTyping = setTimeout(() => { presence.delete(-1); drawPresence(); }, 6000);
  });
  es.addEventListener("resync", () => {
    if (page === "inbox") soon(refreshList);
    if (page === "case") soon(refreshTimeline);
  });
}

// The mailbox page: IMAP settings only when the mailbox is fetched over IMAP, the MTA
// settings to copy only when the mail server delivers it (the server keeps both anyway).
const modeRadios = $$("#mailbox-form input[name=mode]");
if (modeRadios.length) {
  const sync = () => {
    const imap = document.querySelector("#mode-imap").checked;
    const box = $("#imap-settings");
    const help = $("#lmtp-help");
    if (box) box.hidden = !imap;
    if (help) help.hidden = imap;
  };
  modeRadios.forEach((r) => r.addEventListener("change", sync));
  sync();
}

// Where a reply goes only matters for a reply: an internal note never leaves.
const route = $("#route");
if (route) {
  const syncRoute = () => { route.hidden = !!($("#mode-note") && $("#mode-note").checked); };
  $$("input[name=mode]").forEach((r) => r.addEventListener("change", syncRoute));
  syncRoute();
}

// The chat status switch in the header: set on change, back to this page.
$$("[data-here]").forEach((i) => { i.value = location.pathname + location.search; });
$$("select[data-autosubmit]").forEach((sel) => {
  const save = sel.form && sel.form.querySelector("button[type=submit]");
  if (save) save.hidden = true;
  sel.addEventListener("change", () => sel.form.requestSubmit());
});
