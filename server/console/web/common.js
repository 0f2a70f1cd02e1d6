// Shared by the dashboard and the console: the bearer token (sessionStorage, never in the page),
// authorised fetches, a small DOM builder (text only: nothing from the server becomes HTML),
// number, time and wire-value formatting.
"use strict";

const rx = (() => {
  const TOKEN_KEY = "rxgate.token";

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }
  function setToken(t) { sessionStorage.setItem(TOKEN_KEY, t.trim()); }
  function clearToken() { sessionStorage.removeItem(TOKEN_KEY); }

  // el("td", {class: "num"}, "12", child...) — strings become text nodes.
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === "class") e.className = v;
        else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
        else e.setAttribute(k, v === true ? "" : String(v));
      }
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  function replace(node, ...children) {
    while (node.firstChild) node.removeChild(node.firstChild);
    for (const c of children.flat()) if (c) node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  async function api(path, init) {
    const headers = Object.assign({ Authorization: "Bearer " + token() }, (init && init.headers) || {});
    const res = await fetch(path, Object.assign({}, init, { headers, cache: "no-store" }));
    if (!res.ok) {
      let message = res.status + " " + res.statusText;
      try { const body = await res.json(); if (body && body.error) message = body.error; } catch (e) { /* not JSON */ }
      throw new ApiError(res.status, message);
    }
    return res.json();
  }

  // Server-Sent Events over fetch (EventSource cannot send an Authorization header). Calls
  // onEvent(name, data) per event; resolves when the stream ends, rejects on HTTP errors.
  async function eventStream(path, onEvent, signal) {
    const res = await fetch(path, { headers: { Authorization: "Bearer " + token(), Accept: "text/event-stream" }, cache: "no-store", signal });
    if (!res.ok) {
      let message = res.status + " " + res.statusText;
      try { const body = await res.json(); if (body && body.error) message = body.error; } catch (e) { /* not JSON */ }
      throw new ApiError(res.status, message);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let name = "message";
        const data = [];
        for (const line of frame.split("\n")) {
          if (line.startsWith("event:")) name = line.slice(6).trim();
          else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
        }
        if (data.length) onEvent(name, JSON.parse(data.join("\n")));
      }
    }
  }

  // Wires the sign-in form: shows it when there is no token, stores the token, calls start().
  function signIn({ form, app, errorBox, start, signOut }) {
    const input = form.querySelector("input");
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      if (!input.value.trim()) return;
      setToken(input.value);
      input.value = "";
      replace(errorBox);
      show();
    });
    if (signOut) signOut.addEventListener("click", () => { clearToken(); location.reload(); });
    function show(message) {
      const have = token() !== "";
      form.closest(".panel").classList.toggle("hidden", have);
      app.classList.toggle("hidden", !have);
      if (signOut) signOut.classList.toggle("hidden", !have);
      if (message) replace(errorBox, message);
      if (have) start();
    }
    // Called by the page when the server refuses the token.
    function refused(message) {
      clearToken();
      form.closest(".panel").classList.remove("hidden");
      app.classList.add("hidden");
      if (signOut) signOut.classList.add("hidden");
      replace(errorBox, message);
      input.focus();
    }
    show();
    return { refused };
  }

  const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
  function fmt(n, digits) {
    if (n === null || n === undefined || Number.isNaN(n)) return "\u2014";
    if (digits === undefined) digits = Math.abs(n) >= 100 ? 0 : Math.abs(n) >= 10 ? 1 : 2;
    return Number(n).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }
  function count(n) { return n === null || n === undefined ? "\u2014" : integer.format(n); }
  function pct(fraction) { return fraction === null || fraction === undefined || Number.isNaN(fraction) ? "\u2014" : fmt(fraction * 100, 1); }
  function money(n) { return n === null || n === undefined ? "\u2014" : "$" + Number(n).toFixed(2); }
  function clock(ms) {
    const d = new Date(ms);
    return d.toTimeString().slice(0, 8);
  }

  // POST with a JSON body through api().
  function post(path, body) {
    return api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body || {}) });
  }

  // A wire value in words, by the field's format from /assets/ncpdp-dictionary.json (codec/dictionary.h):
  // signed overpunch money ("9117E" is $911.75), implied decimals, CCYYMMDD dates. Anything that does
  // not parse comes back as sent.
  function overpunch(raw) {
    const m = /^(\d*)([{A-I}J-R])$/.exec(raw);
    if (!m) return /^-?\d+$/.test(raw) ? Number(raw) : null;
    const last = m[2];
    const negative = last === "}" || (last >= "J" && last <= "R");
    const digit = last === "{" || last === "}" ? 0 : negative ? last.charCodeAt(0) - 73 : last.charCodeAt(0) - 64;
    const n = Number((m[1] || "0") + digit);
    return negative ? -n : n;
  }
  function wireValue(info, raw) {
    if (raw === null || raw === undefined || raw === "" || !info || !info.format) return raw;
    const scaled = (n, d) => (n === null ? null : n / Math.pow(10, d));
    switch (info.format) {
      case "money": { const v = scaled(overpunch(raw), 2); return v === null ? raw : (v < 0 ? "-" : "") + money(Math.abs(v)); }
      case "rate": case "percent": { const v = scaled(overpunch(raw), info.decimals || 0); return v === null ? raw : fmt(v, info.decimals || 0).replace(/\.?0+$/, "") + " %"; }
      case "quantity": { const v = scaled(/^\d+$/.test(raw) ? Number(raw) : null, info.decimals || 3); return v === null ? raw : String(v); }
      case "date": return /^\d{8}$/.test(raw) ? raw.slice(0, 4) + "-" + raw.slice(4, 6) + "-" + raw.slice(6) : raw;
      case "time": return /^\d{4}$/.test(raw) ? raw.slice(0, 2) + ":" + raw.slice(2) : raw;
      default: return raw;
    }
  }

  // A timestamp as a short local date and time; how long ago, in words.
  function when(iso) {
    if (!iso) return "\u2014";
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : d.toLocaleString("en-US", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }
  function age(iso, now) {
    const ms = (now || Date.now()) - new Date(iso).getTime();
    if (Number.isNaN(ms)) return "\u2014";
    const min = Math.max(0, Math.floor(ms / 60000));
    if (min < 1) return "just now";
    if (min < 60) return min + " min";
    if (min < 48 * 60) return Math.floor(min / 60) + " h " + (min % 60) + " min";
    return Math.floor(min / 1440) + " days";
  }

  return { token, setToken, clearToken, el, replace, api, post, eventStream, signIn, ApiError, fmt, count, pct, money, clock,
    wireValue, when, age };
})();
