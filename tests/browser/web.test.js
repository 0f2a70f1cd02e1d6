// The web console in real headless Chromium (Debian's chromium driven by playwright-core; no
// browser download). Started by run.sh, which runs `rxgate serve` and passes, in the environment:
//   RXGATE_BIN RXGATE_URL RXGATE_CA RXGATE_PLANS RXGATE_SAMPLES RXGATE_CHROMIUM RXGATE_ARTIFACTS
//   RXGATE_OPERATOR_TOKEN RXGATE_TECHNICIAN_TOKEN
// Traffic comes from `rxgate load` (or, in a build without it, `rxgate submit` over the sample
// claims). No timing thresholds: every "eventually" is a poll with a generous deadline.
"use strict";

const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { spawn, spawnSync } = require("node:child_process");
const fs = require("node:fs");
const https = require("node:https");
const path = require("node:path");
const { chromium } = require("playwright-core");

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(name + " is not set: run tests/browser/run.sh (ctest -L browser)");
  return v;
};
const BIN = env("RXGATE_BIN");
const URL = env("RXGATE_URL");
const CA = env("RXGATE_CA");
const ARTIFACTS = env("RXGATE_ARTIFACTS");
const OPERATOR = env("RXGATE_OPERATOR_TOKEN");
const TECHNICIAN = env("RXGATE_TECHNICIAN_TOKEN");
const REVIEWER = env("RXGATE_REVIEWER_TOKEN");

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `probe` until it returns a truthy value; fails with `what` and the last value after
// `seconds` (a deadline for a hang, never a performance threshold).
async function eventually(what, probe, seconds = 90) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) assert.fail(what + " (last: " + (last instanceof Error ? last.message : JSON.stringify(last)) + ")");
    await sleep(500);
  }
}

function httpsGet(target, token) {
  return new Promise((resolve, reject) => {
    const headers = token ? { Authorization: "Bearer " + token } : {};
    const req = https.get(URL + target, { ca: fs.readFileSync(CA), headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d) => { body += d; });
      res.on("end", () => resolve({ status: res.statusCode, body }));
    });
    req.on("error", reject);
  });
}

// Sum of rxgate_claims_total by status, from /metrics.
async function metricsByStatus() {
  const { status, body } = await httpsGet("/metrics", OPERATOR);
  assert.equal(status, 200);
  const out = {};
  let total = 0;
  for (const line of body.split("\n")) {
    const m = /^rxgate_claims_total\{transaction="[^"]*",status="([^"]*)"\} (\d+)$/.exec(line);
    if (m) {
      out[m[1]] = (out[m[1]] || 0) + Number(m[2]);
      total += Number(m[2]);
    }
  }
  return { total, byStatus: out };
}

const haveLoad = spawnSync(BIN, ["load", "--help"], { stdio: "ignore" }).status === 0;

// Claims for `seconds`: `rxgate load` at a gentle open-loop rate with the given mix, or the
// sample claims through `rxgate submit` (paid-like ones, or only the 75 reject).
function traffic({ seconds, mix, samples }) {
  if (haveLoad) {
    const child = spawn(BIN, ["load", "--url", URL + "/ncpdp", "--ca", CA, "--plans", env("RXGATE_PLANS"), "--rate", "40",
      "--connections", "4", "--duration", String(seconds), "--mix", mix, "-q"], { stdio: ["ignore", "ignore", "inherit"] });
    return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
  }
  const dir = env("RXGATE_SAMPLES");
  const files = samples.map((f) => path.join(dir, f));
  const stop = Date.now() + seconds * 1000;
  return (async () => {
    let i = 0;
    while (Date.now() < stop) {
      await new Promise((resolve) => {
        const c = spawn(BIN, ["submit", "--url", URL + "/ncpdp", "--ca", CA, files[i++ % files.length]], { stdio: "ignore" });
        c.on("exit", resolve);
      });
    }
    return 0;
  })();
}

async function shot(page, name) {
  const file = path.join(ARTIFACTS, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

let browser;
let context;
const outside = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: env("RXGATE_CHROMIUM"),
    headless: true,
    // playwright-core gives the browser a new, empty profile directory of its own.
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
  context = await browser.newContext({ ignoreHTTPSErrors: true, viewport: { width: 1440, height: 1000 } });
  // Nothing may be fetched from outside rxgate.
  context.on("request", (req) => {
    const u = req.url();
    if (!u.startsWith(URL) && !u.startsWith("data:")) outside.push(u);
  });
});

after(async () => {
  if (browser) await browser.close();
  assert.deepEqual(outside, [], "requests to anything but rxgate");
});

function number(text) { return Number(String(text).replace(/[^0-9.]/g, "")); }

test("the dashboard goes live, follows rxgate load, raises alerts and agrees with /metrics", async () => {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });

  await page.goto(URL + "/dashboard");
  // A technician token is refused with a reason.
  await page.fill("#token", TECHNICIAN);
  await page.click("#login button[type=submit]");
  await eventually("technician token refused on the dashboard", async () => /operator/.test(await page.textContent("#login-error")));

  errors.length = 0;  // the refusal above logs its 403; from here on nothing may fail
  await page.fill("#token", OPERATOR);
  await page.click("#login button[type=submit]");
  await eventually("dashboard stream live", async () => (await page.getAttribute("#conn", "class")).includes("live"));

  // Phase 1: ordinary traffic. The figures move while it runs.
  const phase1 = traffic({ seconds: 30, mix: "paid=8,retransmit=1,multi=1,e1=1", samples: ["01-paid.d0", "02-duplicate.d0", "13-e1-eligibility.d0", "14-b1-four-transactions.d0"] });
  await eventually("claims/s above zero", async () => number(await page.textContent("#tile-rate [data-v]")) > 0);
  const first = number(await page.textContent("#total-claims"));
  await eventually("total claims growing", async () => number(await page.textContent("#total-claims")) > first);
  await eventually("latency shown", async () => number(await page.textContent("#tile-latency [data-v]")) > 0);
  await eventually("batch size shown", async () => number(await page.textContent("#tile-batch [data-v]")) > 0);
  await eventually("claims chart has points", () => page.evaluate(() => {
    const c = Chart.getChart(document.getElementById("chart-claims"));
    return c && c.data.labels.length > 3 && c.data.datasets.some((d) => d.data.some((v) => v > 0));
  }));
  const connections = number(await page.textContent("#tile-connections [data-v]"));
  assert.ok(connections >= 1, "open connections include the dashboard's own");
  await phase1;
  await shot(page, "dashboard-live.png");

  // Phase 2: every claim rejected 75 for the demo BIN: a reject spike by BIN/PCN and by code.
  const phase2 = traffic({ seconds: 25, mix: "prior-auth=1", samples: ["06-reject-75-prior-authorization.d0"] });
  await eventually("reject spike alert for code 75", async () => {
    const texts = await page.$$eval("#alerts .alert[data-kind=reject_spike]", (els) => els.map((e) => e.textContent));
    return texts.some((t) => t.includes("code 75")) && texts.some((t) => t.includes("BIN/PCN"));
  }, 120);
  await eventually("75 among the top reject codes", async () => (await page.$$eval("#top-rejects tbody td.code", (els) => els.map((e) => e.textContent))).includes("75"));
  await shot(page, "dashboard-reject-spike.png");
  await phase2;

  // Traffic stops: a volume drop, and the totals settle on what /metrics counts.
  await eventually("volume drop alert", async () => (await page.$$("#alerts .alert[data-kind=volume_drop]")).length > 0, 120);
  const agreed = await eventually("dashboard totals equal /metrics", async () => {
    const m = await metricsByStatus();
    const shown = number(await page.textContent("#total-claims"));
    const detail = await page.textContent("#tile-total [data-d]");
    const paid = /P ([\d,]+)/.exec(detail);
    return shown === m.total && paid && number(paid[1]) === (m.byStatus.P || 0) ? { shown, metrics: m } : false;
  }, 60);
  assert.ok(agreed.shown > 0);
  await shot(page, "dashboard-volume-drop.png");
  assert.deepEqual(errors, [], "no script errors on the dashboard");
  await page.close();
});

test("the console finds a rejected claim and shows its fix as the status API gives it", async () => {
  // A 75 that this run certainly sent (the dashboard test sent many; this one stands alone).
  const sample = spawnSync(BIN, ["submit", "--url", URL + "/ncpdp", "--ca", CA, path.join(env("RXGATE_SAMPLES"), "06-reject-75-prior-authorization.d0")], { encoding: "utf8" });
  assert.match(sample.stdout, /reject 75/);

  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(URL + "/console");
  await page.fill("#token", "rxg_not_a_token");
  await page.click("#login button[type=submit]");
  // The landing worklist asks with it at once.
  await eventually("a wrong token is refused", async () => /not accepted/.test(await page.textContent("#login-error")));

  await page.fill("#token", TECHNICIAN);
  await page.click("#login button[type=submit]");
  // The console lands on the worklist; the search is its other view.
  await page.waitForSelector("#worklist-view:not(.hidden)");
  await page.click("#views a[data-view=search]");
  await page.selectOption("#search select[name=status]", "R");
  await page.fill("#search input[name=reject]", "75");
  await page.click("#search button[type=submit]");
  await eventually("search results", async () => (await page.$$("#results tbody tr[data-claim]")).length > 0);
  const codes = await page.$$eval("#results tbody tr[data-claim] td.rejects", (els) => els.map((e) => e.textContent));
  assert.ok(codes.length > 0 && codes.every((c) => c.split(" ").includes("75")), "every row carries 75: " + codes.join("|"));
  await shot(page, "console-search.png");

  assert.ok(page.url().includes("#search?"), "the search is in the address: " + page.url());
  const id = await page.getAttribute("#results tbody tr[data-claim]", "data-claim");
  await page.click("#results tbody tr[data-claim] a");
  const card = "#rejects .reject-card[data-code='75']";
  await page.waitForSelector(card, { timeout: 60000 });

  // The page shows what the API says, field by field.
  const { status, body } = await httpsGet("/v1/claims/" + id, TECHNICIAN);
  assert.equal(status, 200);
  const claim = JSON.parse(body);
  const reject = claim.rejects.find((r) => r.code === "75");
  assert.ok(reject && reject.fix, "the API explains 75 with a fix");
  assert.equal((await page.textContent(card + " .fix")).trim(), reject.fix);
  assert.ok((await page.textContent(card + " .title")).includes(reject.short_name));
  if (reject.explanation) assert.equal((await page.textContent("#reject-details .reject-detail[data-code='75'] .explanation")).trim(), reject.explanation);
  if (reject.field) {
    const field = await page.textContent(card + " .field");
    assert.ok(field.includes(reject.field.id), "field at fault named: " + field);
    if (reject.field.value_sent) assert.ok(field.includes(reject.field.value_sent), "value sent shown: " + field);
  }
  if (reject.help && reject.help.what_to_do) assert.ok((await page.textContent(card + " .what")).includes(reject.help.what_to_do));
  if (reject.help && reject.help.how_to_request) assert.ok((await page.textContent(card + " .what")).includes(reject.help.how_to_request));
  assert.ok(await page.isVisible(card + " .fix"), "the fix is on screen");
  assert.ok((await page.textContent("#claim-summary")).includes(claim.rx_number));
  assert.ok((await page.textContent("#decoded")).includes("Header"), "decoded request and response shown");
  assert.ok((await page.textContent("#pricing")).length > 0);
  await shot(page, "console-claim.png");

  // A paid claim: pricing in dollars.
  await page.evaluate(() => { location.hash = "#search?status=P"; });
  await eventually("paid claims listed", async () => (await page.$$("#results tbody tr[data-claim]")).length > 0);
  await page.click("#results tbody tr[data-claim] a");
  await eventually("pricing of a paid claim", async () => /Total paid by the plan\s*\$\d+\.\d\d/.test(await page.textContent("#pricing")));
  await shot(page, "console-paid-claim.png");
  assert.deepEqual(errors, [], "no script errors on the console");
  await page.close();
});

// A sample transmission (config/samples, its comment lines dropped) with some fields replaced:
// fields are FS + two-character ID + value, so a value can be swapped without knowing the layout.
function transmission(sample, fields) {
  let text = fs.readFileSync(path.join(env("RXGATE_SAMPLES"), sample), "latin1").split("\n").filter((l) => l && !l.startsWith("#")).join("\n");
  for (const [id, value] of Object.entries(fields)) {
    const field = new RegExp("\x1c" + id + "[^\x1c\x1d\x1e]*");
    assert.match(text, field, sample + " carries " + id);
    text = text.replace(field, "\x1c" + id + value);
  }
  return Buffer.from(text, "latin1");
}

// POST /ncpdp; the answer's transaction status (112-AN) and reject codes (511-FB).
function postNcpdp(body) {
  return new Promise((resolve, reject) => {
    const req = https.request(URL + "/ncpdp", { method: "POST", ca: fs.readFileSync(CA), headers: { "Content-Type": "application/octet-stream", "Content-Length": body.length } }, (res) => {
      let text = "";
      res.setEncoding("latin1");
      res.on("data", (d) => { text += d; });
      res.on("end", () => resolve({
        status: (/\x1cAN([A-Z])/.exec(text) || [])[1],
        rejects: [...text.matchAll(/\x1cFB([^\x1c\x1d\x1e]*)/g)].map((m) => m[1].trim()),
        paNumber: (/\x1cPY(\d{11})/.exec(text) || [])[1],  // AM26 498-PY (P1-P4)
      }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

async function apiJson(target) {
  const { status, body } = await httpsGet(target, TECHNICIAN);
  assert.equal(status, 200, target + ": " + body);
  return JSON.parse(body);
}

test("a technician works the worklist: what to do above the fold at 1280x720, a resubmission closes it, close, assign, note", async () => {
  // Two rejects under Rx numbers of this run: a 76 (over the quantity per day) and a 75 (PA).
  const stamp = String(Date.now()).slice(-8);
  const rx76 = "7" + stamp;
  const rx75 = "8" + stamp;
  const limit = transmission("22-reject-76-quantity-per-day.d0", { D2: rx76 });
  const first = await postNcpdp(limit);
  assert.deepEqual([first.status, first.rejects], ["R", ["76"]]);
  const pa = await postNcpdp(transmission("06-reject-75-prior-authorization.d0", { D2: rx75 }));
  assert.equal(pa.status, "R");
  assert.ok(pa.rejects.includes("75"), "75: " + pa.rejects);
  const pharmacy = limit.toString("latin1").slice(23, 38).trim();
  const find = async (rxNumber) => (await apiJson("/v1/pharmacies/" + pharmacy + "/worklist?limit=100")).rejects.find((r) => r.rx_number === rxNumber);
  const open76 = await find(rx76);
  const open75 = await find(rx75);
  assert.ok(open76 && open75, "both rejects open in the worklist");

  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 720 });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(URL + "/console");
  await page.waitForSelector("#login", { state: "visible" });  // the token lives in one tab's sessionStorage
  await page.fill("#token", TECHNICIAN);
  await page.click("#login button[type=submit]");

  // The landing page is the worklist: the pharmacy's open rejects, counts per code with names.
  await page.waitForSelector("#worklist-view:not(.hidden)");
  await page.fill("#worklist-filters input[name=pharmacy]", pharmacy);
  await page.click("#worklist-filters button[type=submit]");
  const row76 = `#worklist tr[data-claim='${open76.claim_id}']`;
  await page.waitForSelector(row76, { timeout: 60000 });
  assert.ok((await page.textContent(row76)).includes("76 Plan Limitations Exceeded"), "the row names its reject");
  assert.ok((await page.textContent(row76)).includes(rx76 + " / 0"), "Rx / fill");
  const counts = await apiJson("/v1/pharmacies/" + pharmacy + "/worklist/counts");
  const c76 = counts.by_code.find((b) => b.code === "76");
  assert.ok((await page.textContent("#worklist-counts [data-code='76']")).includes(c76.short_name + " " + c76.count));
  assert.ok((await page.textContent("#count-all")).includes(String(counts.rejects)));
  await shot(page, "worklist.png");

  // Open the reject: what to do now, the field and the value sent (in words), the fix, all within 1280x720.
  await page.click(row76 + " td.rejects a");
  const card = "#rejects .reject-card[data-code='76']";
  await page.waitForSelector(card + " .what", { timeout: 60000 });
  const claim = await apiJson("/v1/claims/" + open76.claim_id);
  const reject = claim.rejects.find((r) => r.code === "76");
  assert.equal((await page.textContent(card + " .what")).replace("What to do now: ", "").trim(), reject.help.what_to_do);
  const order = await page.$eval(card, (e) => [...e.children].map((c) => c.className));
  assert.deepEqual(order, ["title", "what", "field", "fix"], "what to do first, then the field, then the fix");
  const field = await page.textContent(card + " .field");
  assert.ok(field.includes("442-E7") && field.includes("value sent: " + reject.help.submitted_quantity), "quantity in units: " + field);
  const answer = await page.$eval("#rejects", (e) => e.getBoundingClientRect().bottom);
  assert.ok(answer < 720, "the answer ends above the fold at 1280x720 (bottom " + answer + ")");
  // The wire's money is in dollars: the ingredient cost submitted (409-D9, signed overpunch) never shows raw.
  const d9 = claim.request.transactions[0].segments.flatMap((s) => s.fields).find(([id]) => id === "D9")[1];
  assert.match(d9, /[{A-R}]$/);
  const decoded = await page.textContent("#decoded .segments");
  assert.ok(!decoded.includes(d9), "overpunch " + d9 + " shown raw");
  assert.match(decoded, /D9Ingredient Cost Submitted\$\d+\.\d\d/);
  // The decoding itself, at the overpunch's edges: positive { and A-I, negative } and J-R.
  const words = await page.evaluate(() => {
    const money = { format: "money", decimals: 2 };
    return [rx.wireValue(money, "9117E"), rx.wireValue(money, "100{"), rx.wireValue(money, "1I"), rx.wireValue(money, "12}"),
      rx.wireValue(money, "5J"), rx.wireValue(money, "R"), rx.wireValue(money, "12X"), rx.wireValue({ format: "quantity", decimals: 3 }, "90000"),
      rx.wireValue({ format: "date", decimals: 0 }, "20261202"), rx.wireValue({ format: "alphanumeric", decimals: 0 }, "9117E")];
  });
  assert.deepEqual(words, ["$911.75", "$10.00", "$0.19", "-$1.20", "-$0.51", "-$0.09", "12X", "90", "2026-12-02", "9117E"]);
  await shot(page, "worklist-claim-76.png");

  // Resubmit with the quantity the plan allows: it pays, and the reject closes by itself, linked to that claim.
  const again = await postNcpdp(transmission("22-reject-76-quantity-per-day.d0", { D2: rx76, E7: String(reject.help.allowed_quantity * 1000) }));
  assert.equal(again.status, "P", "the resubmission pays: " + again.rejects);
  await page.click("#back");
  await page.waitForSelector("#worklist-view:not(.hidden)");
  await eventually("the paid reject leaves the open list", async () => {
    await page.click("#worklist-filters button[type=submit]");
    await page.waitForSelector(`#worklist tr[data-claim='${open75.claim_id}']`);
    return !(await page.$(row76));
  });
  const closed = await apiJson("/v1/worklist/" + open76.claim_id);
  assert.equal(closed.state, "closed");
  assert.equal(closed.closed.by, "payment");
  await page.selectOption("#worklist-filters select[name=state]", "closed");
  await page.click("#worklist-filters button[type=submit]");
  await page.waitForSelector(row76);
  assert.ok((await page.textContent(row76 + " td.state")).includes("paid by claim #" + closed.paid_by.claim_id));
  await page.click(row76 + " td.rejects a");
  await page.waitForSelector("#paid-later");
  assert.ok((await page.textContent("#paid-later")).includes("claim #" + closed.paid_by.claim_id), "the claim page says which claim paid it");
  assert.ok(await page.$(`#paid-later a[href='#claim/${closed.paid_by.claim_id}']`), "and links it");
  await shot(page, "worklist-claim-paid-later.png");

  // Close the 75 from the list with a reason.
  await page.click("#back");
  await page.selectOption("#worklist-filters select[name=state]", "open");
  await page.click("#worklist-filters button[type=submit]");
  const row75 = `#worklist tr[data-claim='${open75.claim_id}']`;
  await page.waitForSelector(row75);
  await page.click(row75 + " button.work");
  const controls = `#worklist tr[data-actions='${open75.claim_id}']`;
  await page.selectOption(controls + " form.close select[name=reason]", "sent_to_prescriber");
  await page.click(controls + " form.close button[type=submit]");
  await eventually("the row says closed, why", async () => (await page.textContent(row75 + " td.state")).includes("Sent to prescriber"));
  const after = await apiJson("/v1/worklist/" + open75.claim_id);
  assert.equal(after.state, "closed");
  assert.equal(after.closed.reason, "sent_to_prescriber");

  // Assign and note from the claim page; the page shows what was done.
  await page.click(row75 + " td.rejects a");
  await page.waitForSelector("#worklist-entry form.assign");
  assert.ok(!(await page.textContent("#claim")).includes("required_missing"), "no raw PA state");
  await page.fill("#worklist-entry form.assign input[name=assignee]", "counter-2");
  await page.click("#worklist-entry form.assign button[type=submit]");
  await eventually("assigned", async () => (await page.textContent("#worklist-entry .state-line")).includes("assignee: counter-2"));
  await page.fill("#worklist-entry form.note input[name=note]", "faxed the PA form to the prescriber");
  await page.click("#worklist-entry form.note button[type=submit]");
  await eventually("note shown", async () => (await page.textContent("#worklist-entry .wl-log")).includes("faxed the PA form to the prescriber"));
  const worked = await apiJson("/v1/worklist/" + open75.claim_id);
  assert.equal(worked.assignee, "counter-2");
  assert.deepEqual(worked.actions.map((a) => a.action), ["close", "assign", "note"]);
  await shot(page, "worklist-claim-75-worked.png");

  // The assignee filter finds it.
  await page.evaluate((p) => { location.hash = "#worklist?pharmacy=" + p + "&state=all&assignee=counter-2"; }, pharmacy);
  await eventually("assignee filter", async () => (await page.$$("#worklist tbody tr[data-claim]")).length === 1 && !!(await page.$(row75)));
  assert.deepEqual(errors, [], "no script errors on the console");
  await page.close();
});

// The id of the newest claim with this Rx number (the search API, as the technician sees it).
async function claimOfRx(rxNumber) {
  const page = await apiJson("/v1/claims?rx=" + rxNumber);
  assert.ok(page.claims.length > 0, "claim with Rx " + rxNumber + " found");
  return page.claims[0].id;
}

// A new tab at 1280x720 on the console at `hash`, signed in with `token` (each tab keeps its own
// token); `errors` collects the page's script errors.
async function signedIn(hash, token) {
  const page = await context.newPage();
  await page.setViewportSize({ width: 1280, height: 720 });
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(URL + "/console" + hash);
  await page.waitForSelector("#login", { state: "visible" });
  await page.fill("#token", token);
  await page.click("#login button[type=submit]");
  return { page, errors };
}

// Rows of a table as arrays of cell texts.
function tableRows(page, selector) {
  return page.$$eval(selector + " tbody tr", (rows) => rows.map((r) => [...r.cells].map((c) => c.textContent.trim())));
}

test("the worklist offers the token's own pharmacies; an operator's token is asked for one", async () => {
  // The suggestions are GET /v1/me's, never a search of claims (an operator's would sort them all).
  const me = await apiJson("/v1/me");
  assert.equal(me.role, "technician");
  const tech = await signedIn("#worklist", TECHNICIAN);
  await tech.page.waitForSelector("#worklist-view:not(.hidden)");
  await eventually("the technician's first pharmacy filled in", async () =>
    (await tech.page.inputValue("#worklist-filters input[name=pharmacy]")) === me.pharmacies[0]);
  const offered = await tech.page.$$eval("#pharmacies option", (os) => os.map((o) => o.value));
  assert.deepEqual(offered, me.pharmacies);
  assert.deepEqual(tech.errors, []);
  await tech.page.close();

  const op = await signedIn("#worklist", OPERATOR);
  await op.page.waitForSelector("#worklist-view:not(.hidden)");
  await eventually("the operator is asked for a pharmacy", async () =>
    /Enter a pharmacy ID/.test(await op.page.textContent("#worklist tbody")));
  assert.equal(await op.page.inputValue("#worklist-filters input[name=pharmacy]"), "");
  assert.equal(await op.page.getAttribute("#worklist-filters input[name=pharmacy]", "placeholder"), "any pharmacy");
  assert.equal((await op.page.$$("#pharmacies option")).length, 0);
  assert.deepEqual(op.errors, []);
  await op.page.close();
});

test("alternatives show their tier copay in dollars; a 75 links to the PA page, where a PA is requested and listed", async () => {
  const stamp = String(Date.now()).slice(-8);
  // Crestor (not on the demo formulary: MR, the 70/MR family of covered alternatives; the demo
  // plan's 70s, excluded drugs, name no alternative) 30 tablets for 30 days at the retail pharmacy,
  // group DEMO01: tier 1 copay 5.00, capped at the price: atorvastatin 20 mg 3.00 + 1.75 fee = $4.75.
  const rxMr = "6" + stamp;
  const mr = await postNcpdp(transmission("05-reject-70-not-covered.d0", { D2: rxMr, D7: "90001000106", E7: "30000" }));
  assert.deepEqual([mr.status, mr.rejects], ["R", ["MR"]]);
  const mrId = await claimOfRx(rxMr);

  const { page, errors } = await signedIn("#claim/" + mrId, TECHNICIAN);
  const alternatives = "#reject-details .reject-detail[data-code='MR'] .alternatives";
  await page.waitForSelector(alternatives + " table", { timeout: 60000 });
  assert.deepEqual(await tableRows(page, alternatives), [
    ["90001000105", "ROSUVASTATIN 10 MG TABLET", "1", "$5.00", "yes", "no"],
    ["90001000102", "ATORVASTATIN 20 MG TABLET", "1", "$4.75", "yes", "no"],
  ]);
  assert.deepEqual(await tableRows(page, "#preferred"), [
    ["90001000105", "ROSUVASTATIN 10 MG TABLET", "1", "$5.00"],
    ["90001000102", "ATORVASTATIN 20 MG TABLET", "1", "$4.75"],
  ]);
  assert.match(await page.textContent(alternatives), /deductible not yet met/, "the page says what the tier copay leaves out");
  await shot(page, "claim-alternatives-copay.png");

  // A 75: its card links to the PA page with the member and the drug of the claim. A technician's
  // token may not manage PAs (the API answers 403) and the page says so.
  const rx75 = "5" + stamp;
  const rejected = await postNcpdp(transmission("06-reject-75-prior-authorization.d0", { D2: rx75 }));
  assert.equal(rejected.status, "R");
  assert.ok(rejected.rejects.includes("75"), "75: " + rejected.rejects);
  const id75 = await claimOfRx(rx75);
  await page.evaluate((id) => { location.hash = "#claim/" + id; }, id75);
  await page.waitForSelector("#rejects .reject-card[data-code='75'] .pa-link a#request-pa", { timeout: 60000 });
  assert.equal(await page.textContent("#request-pa"), "Prior authorization for this member and drug: see or request one \u2192");
  const linkBottom = await page.$eval("#request-pa", (e) => e.getBoundingClientRect().bottom);
  assert.ok(linkBottom < 720, "the PA link is on the first screen at 1280x720 (bottom " + linkBottom + ")");
  await page.click("#request-pa");
  await page.waitForSelector("#pa-view:not(.hidden)");
  assert.equal(await page.evaluate(() => location.hash), "#pa?claim=" + id75, "only the claim id in the address, no member");
  await eventually("the refusal is shown", async () => /prior authorizations are for operators/.test(await page.textContent("#pa-error")));
  assert.ok((await page.textContent("#pa-claim")).includes("claim #" + id75));
  const prefilled = await page.$eval("#pa-request", (f) => [f.bin.value, f.cardholder_id.value, f.person_code.value, f.covers.value, f.product_id.value]);
  assert.deepEqual(prefilled, ["610999", "DEMO1002", "001", "product_id", "90001000704"]);
  assert.equal(await page.$eval("#views a[data-view=pa]", (a) => a.classList.contains("here")), true);
  await shot(page, "pa-technician-refused.png");
  assert.deepEqual(errors, [], "no script errors on the console (technician)");
  await page.close();

  // An operator requests it from the page; the list shows it active with its validity in words.
  const { page: op, errors: opErrors } = await signedIn("#claim/" + id75, OPERATOR);
  await op.waitForSelector("#request-pa", { timeout: 60000 });
  await op.click("#request-pa");
  await op.waitForSelector("#pa-view:not(.hidden)");
  await eventually("the page is prefilled from the claim", async () => (await op.textContent("#pa-claim")).includes("claim #" + id75));
  assert.equal(await op.textContent("#pa-error"), "", "an operator is not refused");
  const day = 86400000;
  const today = new Date().toISOString().slice(0, 10);
  const expires = new Date(Date.now() + 30 * day).toISOString().slice(0, 10);
  assert.equal(await op.inputValue("#pa-request input[name=effective]"), today, "effective defaults to today");
  await op.fill("#pa-request input[name=expires]", expires);
  await op.fill("#pa-request input[name=max_quantity]", "3");
  await op.click("#pa-request button[type=submit]");
  await eventually("the request is answered", async () => /Requested: PA number \d{11}/.test(await op.textContent("#pa-done")));
  const number = (await op.textContent("#pa-done strong")).trim();
  assert.equal(await op.textContent("#pa-done"),
    "Requested: PA number " + number + " \u00b7 active until " + expires + " (30 days left). Resubmit claim #" + id75 +
    " with 462-EV = " + number + " (or unchanged: the PA on file applies).");
  const paRow = `#pa-list tr[data-number='${number}']`;
  await op.waitForSelector(paRow);
  const cells = await op.$eval(paRow, (r) => [...r.cells].slice(0, 5).map((c) => c.textContent.trim()));
  assert.deepEqual(cells, [number, "product 90001000704", "active until " + expires + " (30 days left)", today + " \u2013 " + expires, "3 per fill"]);
  assert.equal(await op.getAttribute(paRow, "class"), "pa-active");
  // The API has it on file as the page said.
  const listed = await httpsGet("/v1/prior-authorizations?bin=610999&cardholder_id=DEMO1002&person_code=001", OPERATOR);
  assert.equal(listed.status, 200);
  const onFile = JSON.parse(listed.body).prior_authorizations.find((p) => p.number === number);
  assert.ok(onFile, "the PA is on file");
  assert.deepEqual([onFile.product_id, onFile.effective, onFile.expires, onFile.max_quantity, onFile.revoked_at], ["90001000704", today, expires, 3, null]);
  await shot(op, "pa-requested.png");

  // The same claim again, unchanged: the PA on file pays it.
  const again = await postNcpdp(transmission("06-reject-75-prior-authorization.d0", { D2: rx75 }));
  assert.equal(again.status, "P", "paid under the PA: " + again.rejects);

  // Revoked from the list: the row says so.
  await op.click(paRow + " button.revoke");
  await eventually("the row says revoked", async () => /^revoked .* by token:\d+:browser-operator$/.test((await op.textContent(paRow + " td.state")).trim()));
  assert.equal(await op.getAttribute(paRow, "class"), "pa-revoked");
  assert.deepEqual(opErrors, [], "no script errors on the console (operator)");
  await op.close();
});

test("a P1 over the wire waits on the PA page until a reviewer approves it there; then the B1 citing it pays", async () => {
  const stamp = String(Date.now()).slice(-8);
  const day = 86400000;
  const ccyymmdd = (t) => new Date(t).toISOString().slice(0, 10).replace(/-/g, "");
  const expires = new Date(Date.now() + 30 * day).toISOString().slice(0, 10);
  // Sample 06 (semaglutide: PA required) for ALEX (MORGAN was paid it by the test before: a second
  // fill now would be too soon), as a P1 with its PA segment (AM12).
  const alex = { C2: "DEMO1001", C4: "19700315", C5: "1", CA: "ALEX", CB: "SAMPLE" };
  const claimFor = (rxNumber) => transmission("06-reject-75-prior-authorization.d0", { ...alex, D2: rxNumber }).toString("latin1");
  const base = claimFor("9" + stamp);
  const p1 = base.slice(0, 8) + "P1" + base.slice(10) + "\x1e\x1cAM12\x1cPA1\x1cPB" + ccyymmdd(Date.now()) + "\x1cPC" +
    ccyymmdd(Date.now() + 30 * day) + "\x1cPDME";
  const filed = await postNcpdp(Buffer.from(p1, "latin1"));
  assert.equal(filed.status, "F", "P1 deferred: " + filed.rejects);
  const number = filed.paNumber;
  assert.match(number || "", /^\d{11}$/, "the F carries its PA number");
  const billing = (rxNumber) => Buffer.from(claimFor(rxNumber)
    .replace("\x1cD2" + rxNumber, "\x1cD2" + rxNumber + "\x1cEU1\x1cEV" + number), "latin1");
  const early = await postNcpdp(billing("3" + stamp));
  assert.ok(early.rejects.includes("75"), "pending: still 75, " + early.rejects);

  const { page, errors } = await signedIn("#pa", REVIEWER);
  const row = `#pa-pending tr[data-number='${number}']`;
  await page.waitForSelector(row, { timeout: 60000 });
  assert.match(await page.textContent(row), /P1 from pharmacy 1111111112/);
  await shot(page, "pa-pending-reviewer.png");
  await page.fill(row + " input[name=expires]", expires);
  await page.fill(row + " input[name=max_quantity]", "3");
  await page.click(row + " button.approve");
  await eventually("the approved request leaves the pending list", async () => !(await page.$(row)));
  assert.deepEqual(errors, [], "no script errors on the console (reviewer)");
  await page.close();

  const paid = await postNcpdp(billing("4" + stamp));
  assert.equal(paid.status, "P", "paid under the approved PA: " + paid.rejects);
  // On file as approved, with the validity the reviewer gave.
  const listed = JSON.parse((await httpsGet("/v1/prior-authorizations?bin=610999&cardholder_id=DEMO1001&person_code=001", OPERATOR)).body);
  const approved = listed.prior_authorizations.find((p) => p.number === number);
  assert.deepEqual([approved.expires, approved.max_quantity], [expires, 3]);
});
