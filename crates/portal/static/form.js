// The contact form's helpers (no framework): the proof of work that lets the form leave
// (SHA-256 of "token:nonce" must start with N zero bits), the extra fields of the chosen
// topic, and the frame's height for the page that embeds it.
(function () {
  "use strict";
  var K = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2];
  var W = new Int32Array(64);
  // SHA-256 of an ASCII string; returns the first 32-bit word (enough to count up to 32 zero bits).
  function firstWord(s) {
    var n = s.length, words = ((n + 9 + 63) >> 6) << 4, m = new Int32Array(words), i;
    for (i = 0; i < n; i++) m[i >> 2] |= s.charCodeAt(i) << (24 - (i & 3) * 8);
    m[n >> 2] |= 0x80 << (24 - (n & 3) * 8);
    m[words - 1] = n * 8;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a,
      h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var b = 0; b < words; b += 16) {
      var a = h0, bb = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7, t;
      for (i = 0; i < 64; i++) {
        if (i < 16) W[i] = m[b + i];
        else {
          var x = W[i - 15], y = W[i - 2];
          W[i] = (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + W[i - 16] +
            (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)) + W[i - 7] | 0;
        }
        t = h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
          ((e & f) ^ (~e & g)) + K[i] + W[i] | 0;
        var t2 = (((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
          ((a & bb) ^ (a & c) ^ (bb & c)) | 0;
        h = g; g = f; f = e; e = d + t | 0; d = c; c = bb; bb = a; a = t + t2 | 0;
      }
      h0 = h0 + a | 0; h1 = h1 + bb | 0; h2 = h2 + c | 0; h3 = h3 + d | 0;
      h4 = h4 + e | 0; h5 = h5 + f | 0; h6 = h6 + g | 0; h7 = h7 + h | 0;
    }
    return h0 >>> 0;
  }
  function solve(token, bits) {
    var limit = Math.pow(2, 32 - bits);
    for (var nonce = 0; nonce < 1e9; nonce++) {
      if (firstWord(token + ":" + nonce) < limit) return String(nonce);
    }
    return "";
  }
  var form = document.getElementById("contact-form");
  if (!form) return;
  var bits = parseInt(form.getAttribute("data-pow-bits") || "16", 10);
  var token = form.querySelector("input[name=token]").value;
  var nonceField = form.querySelector("input[name=nonce]");
  // Found while the visitor writes, so sending is instant.
  setTimeout(function () { nonceField.value = solve(token, bits); }, 50);
  form.addEventListener("submit", function () {
    if (!nonceField.value) nonceField.value = solve(token, bits);
  });
  var topic = document.getElementById("topic");
  function showTopic() {
    var sets = document.querySelectorAll("fieldset[data-topic]");
    for (var i = 0; i < sets.length; i++) {
      var on = sets[i].getAttribute("data-topic") === topic.value;
      sets[i].hidden = !on;
      sets[i].disabled = !on;
    }
    resize();
  }
  if (topic) { topic.addEventListener("change", showTopic); showTopic(); }
  var parent = document.body.getAttribute("data-parent-origin");
  function resize() {
    if (parent && window.parent !== window) {
      window.parent.postMessage({ type: "guichet-form-height", height: document.documentElement.scrollHeight }, parent);
    }
  }
  window.addEventListener("load", resize);
  if (window.ResizeObserver) new ResizeObserver(resize).observe(document.body);
  resize();
})();
// Articles that may answer, shown while the visitor writes (the contact form and the
// portal's new-case page): debounced, in the page's language, at most three. Deflection is
// counted per visitor: a random token kept in this browser (the server stores its hash),
// sent with the suggestions, the articles opened from them, the form when it is sent, and
// a beacon when the visitor leaves after opening one without sending.
(function () {
  "use strict";
  var box = document.getElementById("suggestions");
  if (!box) return;
  var list = box.querySelector("ul");
  var lang = document.documentElement.lang || "fr";
  var src = box.getAttribute("data-source") || "";
  var form = box.closest ? box.closest("form") : null;
  var fields = ["subject", "body"].map(function (id) { return document.getElementById(id); }).filter(Boolean);
  var timer = null, last = "", opened = false, sent = false;
  function visitor() {
    var key = "guichet_kb_visitor", v = null;
    try { v = window.localStorage.getItem(key); } catch (e) { v = null; }
    if (!v || !/^[0-9a-f]{32}$/.test(v)) {
      var b = new Uint8Array(16);
      (window.crypto || window.msCrypto).getRandomValues(b);
      v = Array.prototype.map.call(b, function (x) { return (x < 16 ? "0" : "") + x.toString(16); }).join("");
      try { window.localStorage.setItem(key, v); } catch (e) { /* private mode: one page only */ }
    }
    return v;
  }
  var v = visitor();
  var who = "&v=" + encodeURIComponent(v) + "&src=" + encodeURIComponent(src);
  if (form) {
    var hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = "kb_visitor"; hidden.value = v;
    form.appendChild(hidden);
    form.addEventListener("submit", function () { sent = true; });
  }
  function text() { return fields.map(function (f) { return f.value; }).join(" ").trim(); }
  function show(articles) {
    while (list.firstChild) list.removeChild(list.firstChild);
    articles.forEach(function (a) {
      var li = document.createElement("li"), link = document.createElement("a");
      link.href = a.url + who; link.target = "_blank"; link.rel = "noopener"; link.textContent = a.title;
      link.addEventListener("click", function () { opened = true; });
      var p = document.createElement("span"); p.className = "meta"; p.textContent = " " + a.snippet;
      li.appendChild(link); li.appendChild(p); list.appendChild(li);
    });
    box.hidden = articles.length === 0;
  }
  function ask() {
    var q = text();
    if (q.length < 4 || q === last) return;
    last = q;
    fetch("/help/suggest?lang=" + encodeURIComponent(lang) + "&q=" + encodeURIComponent(q.slice(0, 500)) + who, { credentials: "same-origin" })
      // Too many searches (429): keep what is shown and ask again at the next pause.
      .then(function (r) { if (r.status === 429) { last = ""; return null; } return r.ok ? r.json() : { articles: [] }; })
      .then(function (d) { if (d) show(d.articles || []); })
      .catch(function () {});
  }
  fields.forEach(function (f) {
    f.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 400); });
  });
  window.addEventListener("pagehide", function () {
    if (opened && !sent && navigator.sendBeacon) {
      navigator.sendBeacon("/help/track", new URLSearchParams({ v: v, src: src, kind: "abandoned" }));
    }
  });
})();
