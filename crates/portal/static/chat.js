// The chat widget's frame (issue 18), on Guichet's origin. It keeps the visitor's token in
// this origin's storage (never in a URL), talks to /chat/v1/socket (or, where WebSockets
// are blocked, to the same operations over POST and a server-sent event stream read with
// fetch), and tells the page that embeds it — at its exact origin only — how many messages
// are unread.
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root) return;
  var S = JSON.parse(document.getElementById("chat-strings").textContent);
  var key = root.dataset.key, lang = root.dataset.lang, parentOrigin = root.dataset.origin || null;
  var $ = function (id) { return document.getElementById(id); };
  var storage = null;
  try { localStorage.setItem("guichet-probe", "1"); localStorage.removeItem("guichet-probe"); storage = localStorage; } catch (e) { storage = null; }
  var SK = "guichet-chat-" + key;
  var st = { token: null, conv: null, last: 0, ended: false };
  try { var saved = storage && JSON.parse(storage.getItem(SK) || "null"); if (saved) st = saved; } catch (e) { /* a fresh start */ }
  function save() { if (storage) storage.setItem(SK, JSON.stringify(st)); }
  // A new page shows the whole conversation again: it asks from the start.
  st.last = 0;

  var pending = {};   // client id → {frame, el}
  var shown = {};     // client id → element (the visitor's own messages)
  var ws = null, tries = 0, everOpen = false, mode = "ws", stream = null;
  var isOpen = !parentOrigin, unread = 0, lastTyping = 0, typingTimer = null;

  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }
  function status(text) { $("chat-status").textContent = text; }
  // The queue: where the visitor stands and how long the team usually takes, asked every
  // 15 s until someone answers.
  var queueTimer = null, answered = false, convStatus = null;
  // What the status line says of the conversation (kept across reconnections).
  function convLine() { return st.ended ? S.ended : (convStatus || S.waiting); }
  function askQueue() {
    if (!st.conv || st.ended || answered) { clearInterval(queueTimer); return; }
    if (mode === "ws") { send({ type: "queue", conversation_id: st.conv }); return; }
    fetch("/chat/v1/conversations/" + st.conv + "/queue", { headers: headers(), credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (q) { if (q) handle(q); })
      .catch(function () {});
  }
  function queueLoop() { clearInterval(queueTimer); queueTimer = setInterval(askQueue, 15000); askQueue(); }
  function queueText(m) {
    var t = m.position <= 1 ? S.queue_next : m.position === 2 ? S.queue_one : S.queue_many.replace("%n%", String(m.position - 1));
    if (m.wait_low_ms != null && m.wait_high_ms != null) {
      var a = Math.max(1, Math.ceil(m.wait_low_ms / 60000)), b = Math.max(a, Math.ceil(m.wait_high_ms / 60000));
      t += " " + (a === b ? S.queue_wait_one.replace("%a%", String(a)) : S.queue_wait.replace("%a%", String(a)).replace("%b%", String(b)));
    }
    return t;
  }
  function idle() { return $("chat-offline").hidden ? S.intro : S.offline; }
  function toParent(msg) { if (parentOrigin && window.parent !== window) window.parent.postMessage(msg, parentOrigin); }

  function time(ms) {
    var d = new Date(ms);
    return d.toLocaleTimeString(lang === "fr" ? "fr-FR" : "en-GB", { hour: "2-digit", minute: "2-digit" });
  }
  function line(from, who, body, at) {
    var li = document.createElement("li");
    li.className = "msg " + from;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = who + (at ? " · " + time(at) : "");
    var p = document.createElement("p");
    p.textContent = body;
    li.appendChild(meta);
    li.appendChild(p);
    $("chat-log").appendChild(li);
    li.scrollIntoView({ block: "end" });
    return li;
  }
  function showConversation() {
    $("chat-start").hidden = true;
    $("chat-conv").hidden = false;
    $("chat-ended").hidden = !st.ended;
    $("chat-composer").hidden = st.ended;
    $("chat-end").hidden = st.ended;
  }
  function showStart() {
    $("chat-start").hidden = false;
    $("chat-conv").hidden = true;
    $("chat-log").textContent = "";
    shown = {};
  }

  function onEvent(m) {
    if (m.conversation_id !== st.conv || m.seq <= st.last) return;
    st.last = m.seq;
    save();
    if (m.kind === "ended" || m.kind === "timed_out") {
      st.ended = true;
      save();
      line("system", m.kind === "timed_out" ? S.timed_out : S.ended, "", m.at);
      showConversation();
      status(S.ended);
      return;
    }
    if (m.kind === "joined") { answered = true; clearInterval(queueTimer); }
    if (m.kind === "joined") { line("system", S.joined.replace("%name%", m.author_name || S.agent), "", m.at); status(convStatus = S.answered); return; }
    if (m.kind === "transferred") { line("system", S.transferred.replace("%team%", m.detail || ""), "", m.at); return; }
    if (m.kind !== "message") return;
    if (m.from === "visitor") {
      var el = m.client_id && shown[m.client_id];
      if (el) { el.classList.remove("pending"); return; }
      shown[m.client_id || uid()] = line("visitor", S.you, m.body || "", m.at);
      return;
    }
    $("chat-typing").textContent = "";
    answered = true;
    clearInterval(queueTimer);
    line("agent", m.author_name || S.agent, m.body || "", m.at);
    status(convStatus = S.answered);
    if (isOpen && document.visibilityState !== "hidden") markRead();
    else { unread += 1; toParent({ type: "guichet-chat-unread", count: unread, sound: true }); }
  }
  function markRead() {
    unread = 0;
    toParent({ type: "guichet-chat-unread", count: 0, sound: false });
    if (st.conv && st.last) send({ type: "read", conversation_id: st.conv, seq: st.last });
  }

  function handle(m) {
    switch (m.type) {
      case "welcome":
        everOpen = true;
        tries = 0;
        if (!m.known && st.token) { st = { token: null, conv: null, last: 0, ended: false }; save(); showStart(); }
        status(st.conv ? convLine() : idle());
        for (var c in pending) send(pending[c].frame);
        if (st.conv && !st.ended) queueLoop();
        break;
      case "token":
        st.token = m.visitor_token;
        save();
        break;
      case "ack":
        if (!st.conv) { st.conv = m.conversation_id; st.ended = false; save(); showConversation(); status(S.waiting); queueLoop(); }
        var p = pending[m.client_id];
        if (p) { if (p.el) p.el.classList.remove("pending"); delete pending[m.client_id]; }
        break;
      case "event":
        onEvent(m);
        break;
      case "queue":
        if (m.conversation_id !== st.conv) break;
        if (m.position == null) { answered = true; clearInterval(queueTimer); break; }
        status(convStatus = queueText(m));
        break;
      case "typing":
        $("chat-typing").textContent = S.typing.replace("%name%", m.author_name || S.agent);
        clearTimeout(typingTimer);
        typingTimer = setTimeout(function () { $("chat-typing").textContent = ""; }, 6000);
        break;
      case "read":
        var mine = $("chat-log").querySelectorAll(".msg.visitor");
        if (mine.length) mine[mine.length - 1].setAttribute("data-read", S.read);
        break;
      case "error":
        var where = st.conv ? "chat-send-error" : "chat-start-error";
        $(where).textContent = m.message;
        $(where).hidden = false;
        if (m.client_id && pending[m.client_id] && !m.retry) {
          var e = pending[m.client_id].el;
          if (e) e.classList.add("failed");
          delete pending[m.client_id];
          if (!st.conv) { $("chat-start-send").disabled = false; }
        }
        if (m.code === "chat-ended") { st.ended = true; save(); showConversation(); }
        break;
    }
  }

  // Transport: the socket, or the fallback once the socket never opened twice.
  function send(frame) {
    if (mode === "ws") {
      if (ws && ws.readyState === 1) ws.send(JSON.stringify(frame));
      return;
    }
    post(frame);
  }
  function connect() {
    var url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/chat/v1/socket?lang=" + lang;
    try { ws = new WebSocket(url); } catch (e) { ws = null; return fallback(); }
    status(S.connecting);
    ws.onopen = function () {
      send({ type: "hello", token: st.token, widget: key, conversations: st.conv ? [{ id: st.conv, after: st.last }] : [] });
    };
    ws.onmessage = function (e) { var m; try { m = JSON.parse(e.data); } catch (x) { return; } handle(m); };
    ws.onclose = function () {
      ws = null;
      if (!everOpen && ++tries >= 2) return fallback();
      status(S.reconnecting);
      setTimeout(connect, Math.min(30000, 500 * Math.pow(2, Math.min(tries++, 6))));
    };
  }

  function headers() {
    var h = { "Content-Type": "application/json", "Accept-Language": lang };
    if (st.token) h.Authorization = "Bearer " + st.token;
    return h;
  }
  function post(frame) {
    var path, body = null;
    if (frame.type === "start") { path = "/chat/v1/conversations"; body = { client_id: frame.client_id, body: frame.body, widget: key, topic: frame.topic || null, kb_visitor: frame.kb_visitor || null }; }
    else if (frame.type === "send") { path = "/chat/v1/conversations/" + frame.conversation_id + "/messages"; body = { client_id: frame.client_id, body: frame.body }; }
    else if (frame.type === "read") { path = "/chat/v1/conversations/" + frame.conversation_id + "/read"; body = { seq: frame.seq }; }
    else if (frame.type === "typing" || frame.type === "end") { path = "/chat/v1/conversations/" + frame.conversation_id + "/" + frame.type; }
    else return;
    fetch(path, { method: "POST", headers: headers(), body: body ? JSON.stringify(body) : null, credentials: "omit" })
      .then(function (r) { return r.status === 204 ? null : r.json().then(function (j) { return { ok: r.ok, j: j }; }); })
      .then(function (res) {
        if (!res) return;
        if (!res.ok) {
          var d = res.j.details ? res.j.details[Object.keys(res.j.details)[0]][0] : null;
          handle({ type: "error", code: d ? d.code : "error", message: d ? d.description : res.j.description, client_id: frame.client_id, retry: false });
          return;
        }
        if (res.j.visitor_token) { st.token = res.j.visitor_token; save(); }
        if (frame.client_id) handle({ type: "ack", client_id: frame.client_id, conversation_id: res.j.conversation_id || frame.conversation_id });
        if (res.j.event) onEvent(res.j.event);
        if (frame.type === "start") follow();
      })
      .catch(function () { status(S.reconnecting); });
  }
  function follow() {
    if (!st.conv || !st.token || stream) return;
    var h = headers();
    h["Last-Event-ID"] = String(st.last);
    stream = fetch("/chat/v1/conversations/" + st.conv + "/stream", { headers: h, credentials: "omit" }).then(function (r) {
      if (!r.ok || !r.body) throw new Error("stream");
      status(convLine());
      var reader = r.body.getReader(), dec = new TextDecoder(), buf = "";
      function pump() {
        return reader.read().then(function (x) {
          if (x.done) throw new Error("closed");
          buf += dec.decode(x.value, { stream: true });
          var i;
          while ((i = buf.indexOf("\n\n")) >= 0) {
            var block = buf.slice(0, i); buf = buf.slice(i + 2);
            var data = block.split("\n").filter(function (l) { return l.indexOf("data:") === 0; }).map(function (l) { return l.slice(5).trim(); }).join("\n");
            if (data) { try { handle(JSON.parse(data)); } catch (e) { /* a keep-alive */ } }
          }
          return pump();
        });
      }
      return pump();
    }).catch(function () { stream = null; status(S.reconnecting); setTimeout(follow, 3000); });
  }
  function fallback() {
    mode = "http";
    everOpen = true;
    status(st.conv ? convLine() : idle());
    for (var c in pending) post(pending[c].frame);
    follow();
  }

  // Before the chat: up to three articles that may answer the first question (counted per
  // visitor, with the portal's deflection token kept in this origin's storage).
  var kbVisitor = (function () {
    var k = "guichet_kb_visitor", v = null;
    try { v = storage && storage.getItem(k); } catch (e) { v = null; }
    if (!v || !/^[0-9a-f]{32}$/.test(v)) {
      var b = new Uint8Array(16);
      crypto.getRandomValues(b);
      v = Array.prototype.map.call(b, function (x) { return (x < 16 ? "0" : "") + x.toString(16); }).join("");
      try { if (storage) storage.setItem(k, v); } catch (e) { /* one page only */ }
    }
    return v;
  })();
  var kbSource = "chat:" + key, suggested = null;
  function who() { return "&v=" + encodeURIComponent(kbVisitor) + "&src=" + encodeURIComponent(kbSource); }
  function suggest(body) {
    return fetch("/help/suggest?lang=" + lang + "&q=" + encodeURIComponent(body.slice(0, 500)) + who(), { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : { articles: [] }; })
      .then(function (d) { return d.articles || []; })
      .catch(function () { return []; });
  }
  function showSuggestions(articles) {
    var list = $("chat-suggest-list");
    list.textContent = "";
    articles.forEach(function (a) {
      var li = document.createElement("li"), link = document.createElement("a");
      link.href = a.url + who(); link.target = "_blank"; link.rel = "noopener"; link.textContent = a.title;
      var p = document.createElement("span"); p.className = "meta"; p.textContent = a.snippet;
      li.appendChild(link); li.appendChild(p); list.appendChild(li);
    });
    $("chat-suggest").hidden = false;
    $("chat-suggest-yes").focus();
  }
  $("chat-suggest-yes").addEventListener("click", function () {
    var ids = (suggested || []).map(function (a) { return a.id; }).join(",");
    fetch("/help/track", { method: "POST", credentials: "omit", body: new URLSearchParams({ v: kbVisitor, src: kbSource, kind: "answered", articles: ids }) });
    $("chat-suggest").hidden = true;
    $("chat-start").hidden = true;
    $("chat-answered").hidden = false;
    $("chat-first").value = "";
    suggested = null;
    status(S.intro);
  });
  $("chat-suggest-no").addEventListener("click", function () {
    $("chat-suggest").hidden = true;
    begin();
  });
  $("chat-answered-back").addEventListener("click", function () {
    $("chat-answered").hidden = true;
    $("chat-start").hidden = false;
    $("chat-first").focus();
  });

  // The visitor's hand.
  $("chat-start").addEventListener("submit", function (e) {
    e.preventDefault();
    var body = $("chat-first").value.trim();
    var topicEl = $("chat-topic");
    var err = $("chat-start-error");
    err.hidden = true;
    if (topicEl && !topicEl.value) { err.textContent = S.choose_topic; err.hidden = false; topicEl.focus(); return; }
    if (!body) { err.textContent = S.write_first; err.hidden = false; $("chat-first").focus(); return; }
    if (suggested === null) {
      $("chat-start-send").disabled = true;
      suggest(body).then(function (articles) {
        $("chat-start-send").disabled = false;
        suggested = articles;
        if (articles.length) showSuggestions(articles); else begin();
      });
      return;
    }
    begin();
  });
  function begin() {
    var body = $("chat-first").value.trim();
    var topicEl = $("chat-topic");
    var id = uid();
    var frame = { type: "start", client_id: id, body: body, topic: topicEl ? topicEl.value : null,
      kb_visitor: suggested && suggested.length ? kbVisitor : null };
    $("chat-start-send").disabled = true;
    var el = line("visitor pending", S.you, body, Date.now());
    shown[id] = el;
    pending[id] = { frame: frame, el: el };
    send(frame);
  }
  $("chat-composer").addEventListener("submit", function (e) {
    e.preventDefault();
    var input = $("chat-input"), body = input.value.trim();
    if (!body || !st.conv) return;
    $("chat-send-error").hidden = true;
    var id = uid();
    var frame = { type: "send", conversation_id: st.conv, client_id: id, body: body };
    var el = line("visitor pending", S.you, body, Date.now());
    shown[id] = el;
    pending[id] = { frame: frame, el: el };
    input.value = "";
    send(frame);
  });
  $("chat-input").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("chat-composer").requestSubmit(); }
  });
  $("chat-input").addEventListener("input", function () {
    var now = Date.now();
    if (st.conv && now - lastTyping > 2000) { lastTyping = now; send({ type: "typing", conversation_id: st.conv }); }
  });
  $("chat-end").addEventListener("click", function () {
    if (st.conv && window.confirm(S.end_confirm)) send({ type: "end", conversation_id: st.conv });
  });
  $("chat-new").addEventListener("click", function () {
    st.conv = null; st.last = 0; st.ended = false; save();
    suggested = null; convStatus = null; answered = false;
    $("chat-start-send").disabled = false;
    $("chat-first").value = "";
    showStart();
    status(S.intro);
  });
  $("chat-close").addEventListener("click", function () { toParent({ type: "guichet-chat-close" }); });
  window.addEventListener("message", function (e) {
    if (!parentOrigin || e.origin !== parentOrigin || e.source !== window.parent) return;
    var d = e.data || {};
    if (d.type === "guichet-chat-open") {
      isOpen = !!d.open;
      if (isOpen) { markRead(); (st.conv && !st.ended ? $("chat-input") : $("chat-first")).focus(); }
    }
  });
  if (!parentOrigin) $("chat-close").hidden = true;
  if (st.conv) showConversation();
  else if (root.dataset.available === "0") {
    // Nobody can answer now: the form instead (a case, answered by email).
    $("chat-start").hidden = true;
    $("chat-offline").hidden = false;
    status(S.offline);
  }
  if (root.dataset.transport === "http") fallback(); else connect();
})();
