// The operators' dashboard: one SSE stream (/v1/dashboard/stream), the first event with the
// history kept by the server, then one point a second. Charts by Chart.js (served by rxgate).
"use strict";

(() => {
  const { el, replace, fmt, count, pct, clock } = rx;
  const STATUS_NAMES = { P: "paid", R: "rejected", D: "duplicate of paid", A: "approved / accepted", S: "duplicate of approved", C: "captured", Q: "duplicate of captured", F: "PA deferred" };
  const STATUS_COLORS = { P: "#1a7f37", R: "#c62828", D: "#8250df", A: "#0969da", S: "#bc4c00", C: "#1b7c83", Q: "#6e7781", F: "#9a6700" };
  const RECENT = 10;

  let points = [];
  let capacity = 900;
  let summary = null;
  let charts = null;
  let controller = null;

  const login = rx.signIn({
    form: document.getElementById("login"),
    app: document.getElementById("app"),
    errorBox: document.getElementById("login-error"),
    signOut: document.getElementById("signout"),
    start: connect,
  });

  function setConn(text, state) {
    const c = document.getElementById("conn");
    c.textContent = text;
    c.className = "conn " + (state || "");
  }

  async function connect() {
    if (controller) controller.abort();
    controller = new AbortController();
    setConn("connecting…");
    try {
      await rx.eventStream("/v1/dashboard/stream", onEvent, controller.signal);
      setConn("stream ended, reconnecting…", "down");
    } catch (e) {
      if (e.name === "AbortError") return;
      if (e.status === 401 || e.status === 403) {
        setConn("not connected", "down");
        login.refused(e.status === 403 ? "That token is not an operator's: the dashboard needs an operator or admin token." : "The token was not accepted: " + e.message);
        return;
      }
      setConn("disconnected (" + e.message + "), retrying…", "down");
    }
    setTimeout(connect, 2000);
  }

  function onEvent(name, data) {
    if (name === "history") {
      capacity = data.capacity || capacity;
      points = data.points || [];
      summary = data.summary;
    } else if (name === "tick") {
      // A tick may repeat the last point of the history it raced with.
      if (points.length && data.point.t <= points[points.length - 1].t) return;
      points.push(data.point);
      while (points.length > capacity) points.shift();
      summary = data.summary;
    } else {
      return;
    }
    setConn("live · " + clock(points.length ? points[points.length - 1].t : Date.now()), "live");
    render();
  }

  function recent(n) { return points.slice(Math.max(0, points.length - n)); }
  function sum(list, f) { return list.reduce((a, p) => a + (f(p) || 0), 0); }
  function seconds(list) { return sum(list, (p) => p.seconds) || 1; }

  function tile(id, value, detail) {
    const t = document.getElementById(id);
    t.querySelector("[data-v]").textContent = value;
    if (detail !== undefined) t.querySelector("[data-d]").textContent = detail;
  }

  function render() {
    const last = recent(RECENT);
    const tx = sum(last, (p) => p.transactions);
    const secs = seconds(last);
    const status = (s) => sum(last, (p) => p.by_status[s]);
    tile("tile-rate", fmt(tx / secs), "avg over the last " + fmt(secs, 0) + " s");
    tile("tile-paid", tx ? pct(status("P") / tx) : "—", fmt(status("P") / secs) + " /s paid");
    tile("tile-rejected", tx ? pct(status("R") / tx) : "—", fmt(status("R") / secs) + " /s rejected");
    tile("tile-duplicate", tx ? pct(status("D") / tx) : "—", fmt(status("D") / secs) + " /s duplicates of paid");
    const lp = [...points].reverse().find((p) => p.requests > 0);
    tile("tile-latency", lp ? fmt(lp.latency_ms.p99) : "—",
         lp ? "p50 " + fmt(lp.latency_ms.p50) + " · p95 " + fmt(lp.latency_ms.p95) + " ms (" + clock(lp.t) + ")" : "no requests yet");
    const batches = sum(last, (p) => p.batch.count);
    const lb = [...points].reverse().find((p) => p.batch.count > 0);
    tile("tile-batch", batches ? fmt(sum(last, (p) => p.batch.size_mean * p.batch.count) / batches) : "—",
         lb ? "commit p50 " + fmt(lb.batch.commit_p50_ms) + " · p99 " + fmt(lb.batch.commit_p99_ms) + " ms" : "no batches yet");
    const now = points.length ? points[points.length - 1] : null;
    tile("tile-queue", now ? count(now.queue_depth) : "—", "transmissions for the batch worker");
    tile("tile-connections", now ? count(now.connections) : "—", "TLS client connections");
    tile("tile-db", count(sum(points, (p) => p.db_errors)), summary ? count(summary.totals.db_errors) + " since start · host rejects " + count(summary.totals.host_rejects) : "");
    tile("tile-total", summary ? count(summary.totals.transactions) : "—",
         summary ? Object.entries(summary.totals.by_status).map(([s, n]) => s + " " + count(n)).join(" · ") : "");
    document.getElementById("tile-db").classList.toggle("reject", sum(points, (p) => p.db_errors) > 0);

    renderAlerts();
    renderTables(last, secs);
    renderCharts();
  }

  function renderAlerts() {
    const box = document.getElementById("alerts");
    const alerts = (summary && summary.alerts) || [];
    if (!alerts.length) {
      replace(box, el("div", { class: "ok", id: "no-alerts" }, "No alerts: volume steady, no reject-rate spike by BIN/PCN or code."));
      return;
    }
    replace(box, alerts.map((a) => el("div", { class: "alert", "data-kind": a.kind },
      el("strong", null, a.kind === "volume_drop" ? "Volume drop" : "Reject spike · " + a.subject), a.message)));
  }

  function renderTables(last, secs) {
    const totals = summary ? summary.totals.by_transaction_status : {};
    const recentBy = {};
    for (const p of last) for (const [k, n] of Object.entries(p.by_transaction_status)) recentBy[k] = (recentBy[k] || 0) + n;
    const keys = Object.keys(totals).sort();
    replace(document.querySelector("#by-transaction tbody"), keys.length ? keys.map((k) => {
      const [code, s] = k.split(" ");
      return el("tr", null, el("td", { class: "code" }, code),
        el("td", null, el("span", { class: "badge s-" + s }, s), " ", STATUS_NAMES[s] || ""),
        el("td", { class: "num" }, fmt((recentBy[k] || 0) / secs)), el("td", { class: "num" }, count(totals[k])));
    }) : el("tr", null, el("td", { class: "empty", colspan: 4 }, "No claims yet")));

    const top = summary ? summary.window.top_reject_codes : [];
    replace(document.querySelector("#top-rejects tbody"), top.length ? top.map((r) =>
      el("tr", null, el("td", { class: "code" }, r.code), el("td", { class: "num" }, count(r.count)), el("td", { class: "num" }, pct(r.share) + " %")))
      : el("tr", null, el("td", { class: "empty", colspan: 3 }, "No rejects in the last 15 minutes")));

    const plans = summary ? [...summary.window.by_plan].sort((a, b) => b.rejected - a.rejected) : [];
    replace(document.querySelector("#by-plan tbody"), plans.length ? plans.map((p) =>
      el("tr", null, el("td", { class: "mono" }, p.plan), el("td", { class: "num" }, count(p.transactions)),
        el("td", { class: "num" }, count(p.rejected)), el("td", { class: "num" }, pct(p.reject_rate) + " %")))
      : el("tr", null, el("td", { class: "empty", colspan: 4 }, "No claims in the last 15 minutes")));
  }

  function lineChart(id, datasets, yTitle) {
    return new Chart(document.getElementById(id), {
      type: "line",
      data: { labels: [], datasets: datasets.map((d) => Object.assign({ data: [], borderWidth: 1.5, pointRadius: 0, tension: 0.2, fill: false }, d)) },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        scales: {
          x: { ticks: { maxTicksLimit: 8, autoSkip: true, maxRotation: 0 } },
          y: { beginAtZero: true, title: { display: !!yTitle, text: yTitle } },
        },
        plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } },
      },
    });
  }

  function renderCharts() {
    if (typeof Chart === "undefined") return;  // the chart library failed to load: figures still show
    if (!charts) {
      charts = {
        claims: lineChart("chart-claims", [], "claims/s"),
        latency: lineChart("chart-latency", [
          { label: "p50", borderColor: "#1a7f37" }, { label: "p95", borderColor: "#9a6700" }, { label: "p99", borderColor: "#c62828" }], "ms"),
        batch: lineChart("chart-batch", [
          { label: "mean batch size", borderColor: "#0969da", yAxisID: "y" },
          { label: "commit p99 (ms)", borderColor: "#8250df", yAxisID: "y1" }], "claims"),
        queue: lineChart("chart-queue", [
          { label: "queue depth", borderColor: "#0969da" }, { label: "connections", borderColor: "#1b7c83" },
          { label: "DB errors/s", borderColor: "#c62828" }], ""),
      };
      charts.batch.options.scales.y1 = { position: "right", beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: "ms" } };
    }
    const labels = points.map((p) => clock(p.t));
    const statuses = new Set();
    for (const p of points) for (const s of Object.keys(p.by_status)) statuses.add(s);
    const order = ["P", "R", "D", "A", "S", "C", "Q", "F"];
    const wanted = [...statuses].sort((a, b) => order.indexOf(a) - order.indexOf(b));
    const c = charts.claims;
    c.data.labels = labels;
    c.data.datasets = wanted.map((s) => {
      const existing = c.data.datasets.find((d) => d.status === s);
      const d = existing || { status: s, label: s + " " + (STATUS_NAMES[s] || ""), borderColor: STATUS_COLORS[s] || "#555", backgroundColor: STATUS_COLORS[s] || "#555", borderWidth: 1.5, pointRadius: 0, tension: 0.2, fill: false };
      d.data = points.map((p) => (p.by_status[s] || 0) / p.seconds);
      return d;
    });
    c.update("none");

    const l = charts.latency;
    l.data.labels = labels;
    l.data.datasets[0].data = points.map((p) => (p.requests ? p.latency_ms.p50 : null));
    l.data.datasets[1].data = points.map((p) => (p.requests ? p.latency_ms.p95 : null));
    l.data.datasets[2].data = points.map((p) => (p.requests ? p.latency_ms.p99 : null));
    l.update("none");

    const b = charts.batch;
    b.data.labels = labels;
    b.data.datasets[0].data = points.map((p) => (p.batch.count ? p.batch.size_mean : null));
    b.data.datasets[1].data = points.map((p) => (p.batch.count ? p.batch.commit_p99_ms : null));
    b.update("none");

    const q = charts.queue;
    q.data.labels = labels;
    q.data.datasets[0].data = points.map((p) => p.queue_depth);
    q.data.datasets[1].data = points.map((p) => p.connections);
    q.data.datasets[2].data = points.map((p) => p.db_errors / p.seconds);
    q.update("none");
  }
})();
