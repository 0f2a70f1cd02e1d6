// The technicians' claim console: the reject worklist first (worklist.js), a search
// (GET /v1/claims?...), and one claim (GET /v1/claims/{id}) shown as the status API explains it.
// The claim page answers first, within a 1280x720 screen: whether a later claim paid it, then per
// reject the specific "what to do now", the field and the value sent (in words: dollars, dates),
// the generic fix; then the worklist controls, the details, pricing, DUR, prior authorization,
// history and the decoded request and response. The token's scope is the server's business: this
// page only asks.
"use strict";

(() => {
  const { el, replace, money } = rx;
  let nextCursor = null;
  let lastQuery = "";
  let lastListHash = "";
  // Segment and field names (codec/dictionary.h), served by rxgate; IDs alone if it fails.
  let dictionary = { segments: {}, fields: {} };
  fetch("/assets/ncpdp-dictionary.json").then((r) => (r.ok ? r.json() : null)).then((d) => { if (d) dictionary = d; }).catch(() => {});

  const login = rx.signIn({
    form: document.getElementById("login"),
    app: document.getElementById("app"),
    errorBox: document.getElementById("login-error"),
    signOut: document.getElementById("signout"),
    start,
  });

  let started = false;
  function start() {
    if (!started) window.addEventListener("hashchange", route);
    started = true;
    route();
  }

  function failed(e, box) {
    if (e.status === 401) return login.refused("The token was not accepted: " + e.message);
    replace(box, e.status === 404 ? "Not found (or not one of your pharmacies' claims)." : e.message);
  }

  // #claim/123 opens a claim; #search?rx=... runs a search; #pa (#pa?claim=123) the prior
  // authorizations (pa.js); anything else is the worklist (#worklist?pharmacy=..&state=..); all
  // survive a reload.
  function route() {
    const h = location.hash.slice(1);
    const view = h.startsWith("claim/") ? "claim" : h.startsWith("search") ? "search" : h === "pa" || h.startsWith("pa?") ? "pa" : "worklist";
    document.getElementById("worklist-view").classList.toggle("hidden", view !== "worklist");
    document.getElementById("search-view").classList.toggle("hidden", view !== "search");
    document.getElementById("pa-view").classList.toggle("hidden", view !== "pa");
    document.getElementById("claim").classList.toggle("hidden", view !== "claim");
    for (const a of document.querySelectorAll("#views a")) a.classList.toggle("here", a.dataset.view === view);
    if (view === "claim") return openClaim(h.slice(6));
    if (view === "pa") return pa.show(h.startsWith("pa?") ? h.slice(3) : "", (e) => failed(e, document.getElementById("pa-error")));
    lastListHash = "#" + h;
    if (view === "worklist") return worklist.show(h.startsWith("worklist?") ? h.slice(9) : "", (e) => failed(e, document.getElementById("worklist-error")));
    if (h.startsWith("search?")) {
      const q = new URLSearchParams(h.slice(7));
      const form = document.getElementById("search");
      for (const input of form.elements) if (input.name) input.value = q.get(input.name) || "";
      return search(q.toString(), false);
    }
  }

  document.getElementById("search").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const input of ev.target.elements) if (input.name && input.value.trim()) q.set(input.name, input.value.trim());
    const target = "#search?" + q.toString();
    if (location.hash === target) search(q.toString(), false);
    else location.hash = target;
  });

  document.getElementById("more").addEventListener("click", () => search(lastQuery, true));

  async function search(query, more) {
    const errorBox = document.getElementById("search-error");
    replace(errorBox);
    const q = new URLSearchParams(query);
    if (more && nextCursor) q.set("cursor", nextCursor);
    lastQuery = query;
    let page;
    try {
      page = await rx.api("/v1/claims?" + q.toString());
    } catch (e) {
      return failed(e, errorBox);
    }
    const body = document.querySelector("#results tbody");
    const rows = page.claims.map((c) => el("tr", { class: "clickable", "data-claim": c.id, onclick: () => { location.hash = "#claim/" + c.id; } },
      el("td", null, el("a", { href: "#claim/" + c.id }, "#" + c.id)),
      el("td", null, rx.when(c.received_at)),
      el("td", null, c.date_of_service),
      el("td", { class: "code" }, c.transaction_code),
      el("td", { class: "mono" }, c.pharmacy),
      el("td", { class: "mono" }, c.rx_number + " / " + c.fill_number),
      el("td", null, c.product_name || c.product_id || "\u2014"),
      el("td", null, badge(c.status, c.status_name)),
      el("td", { class: "code rejects" }, c.reject_codes.join(" ")),
      el("td", { class: "num" }, c.total_paid === null ? "\u2014" : money(c.total_paid))));
    if (more) body.append(...rows);
    else replace(body, rows.length ? rows : el("tr", null, el("td", { colspan: 10, class: "empty" }, "No claims match.")));
    nextCursor = page.next_cursor;
    document.getElementById("more").classList.toggle("hidden", !nextCursor);
    document.getElementById("results-panel").classList.remove("hidden");
  }

  function badge(status, name) {
    return el("span", { class: "badge s-" + status, title: name || "" }, status + (name ? " \u00b7 " + name : ""));
  }

  const shortTime = rx.when;

  // Words for the API's state tokens (claim detail prior_authorization.state, 420 other pharmacy
  // indicator 2-values as the DUR alerts carry them).
  const PA_STATES = {
    not_required: "not required", required_missing: "required, none on file", on_file: "approved PA on file",
    number_accepted: "PA number accepted", on_file_expired: "the PA on file expired",
  };
  const paState = (s) => PA_STATES[s] || (s ? s.replace(/_/g, " ") : null);
  const OTHER_PHARMACY = { "0": "not specified", "1": "your pharmacy", "2": "another pharmacy in the same chain", "3": "another pharmacy" };
  const filledAt = (v) => (v ? "filled at " + (OTHER_PHARMACY[v] || v) : null);
  const phone = (p) => (/^\d{10}$/.test(p || "") ? "(" + p.slice(0, 3) + ") " + p.slice(3, 6) + "-" + p.slice(6) : p);
  // A wire value as the dictionary's format reads it (rx.wireValue), the raw value on hover.
  function sentValue(id, raw) {
    const shown = rx.wireValue(dictionary.fields[id], raw);
    return el("span", { class: "sent", title: shown === raw ? null : "as sent: " + raw }, shown);
  }

  function fact(k, v) { return el("div", null, el("span", { class: "k" }, k), v === null || v === undefined || v === "" ? "\u2014" : v); }

  async function openClaim(id) {
    const box = document.getElementById("claim");
    box.classList.remove("hidden");
    replace(box, el("div", { class: "panel" }, "Loading claim #" + id + "…"));
    let c;
    let entry = null;
    try {
      c = await rx.api("/v1/claims/" + encodeURIComponent(id));
      // A reject's worklist state: paid later by which claim, who closed it, the controls.
      if (c.status === "R") entry = await worklist.entry(c.id);
    } catch (e) {
      const err = el("div", { class: "panel error" });
      replace(box, err);
      return failed(e, err);
    }
    replace(box, renderClaim(c, entry));
    window.scrollTo(0, 0);
  }

  function renderClaim(c, entry) {
    const parts = [];
    const back = lastListHash.startsWith("#search") ? "\u2190 Back to the search results" : "\u2190 Back to the worklist";
    parts.push(el("div", { class: "answer-head" },
      el("a", { href: lastListHash || "#worklist", id: "back" }, back),
      el("h2", null, "Claim #" + c.id),
      badge(c.status, c.status_name),
      el("span", null, "Rx ", el("span", { class: "mono" }, c.rx_number + " / " + c.fill_number)),
      el("span", null, c.product.name || c.product.id || ""),
      el("span", { class: "muted" }, "date of service " + c.date_of_service)));

    // The answer: what to do, first and within the first screen.
    if (c.rejects && c.rejects.length) {
      parts.push(el("section", { class: "panel", id: "rejects" },
        entry ? paidLater(entry) : null,
        c.rejects.map((r) => renderReject(r, c.id))));
      if (entry) parts.push(worklist.claimPanel(entry));
    }

    parts.push(el("section", { class: "panel", id: "claim-summary" },
      el("div", { class: "claim-head" },
        el("h2", null, "Claim #" + c.id),
        badge(c.status, c.status_name),
        el("span", { class: "code" }, c.transaction_code),
        c.authorization_number ? el("span", null, "Authorization ", el("span", { class: "mono" }, c.authorization_number)) : null,
        c.reversed ? el("span", { class: "badge s-S" }, "reversed " + shortTime(c.reversed.at)) : null),
      el("div", { class: "facts" },
        fact("Received", shortTime(c.received_at)),
        fact("Date of service", c.date_of_service),
        fact("Pharmacy", [c.pharmacy.id, c.pharmacy.name].filter(Boolean).join(" \u00b7 ")),
        fact("Payer (BIN / PCN / group)", [c.payer.bin, c.payer.pcn, c.payer.group].map((x) => x || "\u2014").join(" / ")),
        fact("Plan", c.payer.plan_id ? c.payer.plan_id + (c.payer.plan_version ? " v" + c.payer.plan_version : "") : null),
        fact("Help desk", phone(c.payer.help_desk_phone)),
        fact("Member (cardholder / person)", c.member.cardholder_id + " / " + (c.member.person_code || "\u2014")),
        fact("Rx / fill", c.rx_number + " / " + c.fill_number),
        fact("Product", [c.product.id, c.product.name].filter(Boolean).join(" \u00b7 ") + (c.product.tier ? " (tier " + c.product.tier + ")" : "")),
        fact("Quantity / days supply", (c.quantity ?? "\u2014") + " / " + (c.days_supply ?? "\u2014")),
        fact("Received as", c.source))));

    const details = (c.rejects || []).filter((r) => r.explanation || (r.help && helpRows(r.help).length));
    if (details.length) {
      parts.push(el("section", { class: "panel", id: "reject-details" }, el("h2", null, "About the reject" + (details.length > 1 ? "s" : "")),
        details.map((r) => el("div", { class: "reject-detail", "data-code": r.code },
          el("h3", null, el("span", { class: "code" }, r.code), " " + r.short_name, el("span", { class: "category" }, r.category)),
          r.explanation ? el("div", { class: "explanation" }, r.explanation) : null,
          r.help ? el("div", { class: "help" }, helpRows(r.help)) : null))));
    }
    const messages = [...(c.messages || []), ...(c.approved_messages || [])];
    if (messages.length) parts.push(el("section", { class: "panel" }, el("h2", null, "Messages sent to the pharmacy"), el("ul", { class: "messages" }, messages.map((m) => el("li", null, m)))));

    parts.push(el("div", { class: "two" },
      el("section", { class: "panel", id: "pricing" }, el("h2", null, "Pricing"), renderPricing(c.pricing)),
      el("section", { class: "panel", id: "dur" }, el("h2", null, "DUR alerts"), renderDur(c.dur_alerts))));
    if (c.prior_authorization) parts.push(el("section", { class: "panel" }, el("h2", null, "Prior authorization"), renderPa(c.prior_authorization)));
    if (c.preferred_alternatives && c.preferred_alternatives.length) {
      parts.push(el("section", { class: "panel", id: "preferred" }, el("h2", null, "Preferred alternatives"),
        table(["Product", "Name", "Tier", "Tier copay"], c.preferred_alternatives.map((a) => [a.product_id, a.name || "\u2014", a.tier ?? "\u2014", tierCopay(a)])),
        el("div", { class: "muted" }, TIER_COPAY_NOTE)));
    }
    if (c.other_payers && c.other_payers.length) {
      parts.push(el("section", { class: "panel" }, el("h2", null, "Other payers on file"),
        table(["BIN", "PCN", "Group", "Cardholder", "Help desk"], c.other_payers.map((o) => [o.bin, o.pcn || "\u2014", o.group || "\u2014", o.cardholder_id || "\u2014", phone(o.help_desk_phone) || "\u2014"]))));
    }
    if (c.history && c.history.length) {
      parts.push(el("section", { class: "panel", id: "history" }, el("h2", null, "History of this prescription fill"),
        el("table", null,
          el("thead", null, el("tr", null, ["Claim", "Relation", "Txn", "Status", "Received", "Date of service", "Authorization", "Rejects"].map((h) => el("th", null, h)))),
          el("tbody", null, c.history.map((h) => el("tr", { class: h.relation === "this" ? "" : "clickable", onclick: () => { if (h.relation !== "this") location.hash = "#claim/" + h.id; } },
            el("td", null, h.relation === "this" ? "#" + h.id + " (this)" : el("a", { href: "#claim/" + h.id }, "#" + h.id)),
            el("td", null, h.relation.replace(/_/g, " ")),
            el("td", { class: "code" }, h.transaction_code),
            el("td", null, badge(h.status, h.status_name)),
            el("td", null, shortTime(h.received_at)),
            el("td", null, h.date_of_service),
            el("td", { class: "mono" }, h.authorization_number || "\u2014"),
            el("td", { class: "code" }, h.reject_codes.join(" "))))))));
    }
    parts.push(el("section", { class: "panel", id: "decoded" }, el("h2", null, "Decoded request and response"),
      el("div", { class: "two" },
        el("div", null, el("h3", null, "Request (as received)"), renderMessage(c.request)),
        el("div", null, el("h3", null, "Response (as sent)"), renderMessage(c.response)))));
    return parts;
  }

  // The specific next step for a reject, when the API gives one (help.what_to_do, or for a PA
  // the way to request it); null when only the generic fix applies.
  function whatToDo(r) {
    const h = r.help || {};
    return h.what_to_do || h.how_to_request || null;
  }

  // A rejected claim that a later claim paid (or whose payment was reversed): said before the fix.
  function paidLater(entry) {
    if (!entry.paid_by) return null;
    const standing = !entry.paid_by.reversed_at;
    return el("div", { class: "paid-later " + (standing ? "done" : "again"), id: "paid-later" },
      standing ? "Nothing left to do: " : "Worked before, open again: ", worklist.stateText(entry));
  }

  // The answer to one reject: what to do now, the code and the field with the value sent, the fix.
  function renderReject(r, claimId) {
    const f = r.field;
    const now = whatToDo(r);
    return el("div", { class: "reject-card", "data-code": r.code },
      el("div", { class: "title" }, el("span", { class: "code" }, r.code), r.short_name, el("span", { class: "category" }, r.category)),
      now ? el("div", { class: "what" }, el("strong", null, "What to do now: "), now) : null,
      r.code === "75" && claimId ? el("div", { class: "pa-link" }, el("a", { href: "#pa?claim=" + claimId, id: "request-pa" }, "Prior authorization for this member and drug: see or request one \u2192")) : null,
      f ? el("div", { class: "field" }, "Field at fault: ",
        el("strong", null, (f.number ? f.number + "-" : "") + f.id + (f.name ? " " + f.name : "")),
        f.occurrence ? " (occurrence " + f.occurrence + ")" : "",
        " \u00b7 value sent: ", f.value_sent === null || f.value_sent === "" ? el("em", null, "nothing") : sentValue(f.id, f.value_sent)) : null,
      r.fix ? el("div", { class: "fix" }, r.fix) : null);
  }

  // The specific facts behind a reject (the help object), below the answer.
  function helpRows(h) {
    const rows = [];
    if (h.next_fill_date) rows.push(el("div", null, "Next fill allowed on ", el("strong", null, h.next_fill_date),
      h.last_fill ? " (last fill " + h.last_fill.date + ", " + h.last_fill.quantity + " for " + h.last_fill.days_supply + " days" + (h.last_fill.same_pharmacy ? ", this pharmacy" : ", another pharmacy") + ")" : "",
      h.refill_threshold_percent ? "; refill threshold " + h.refill_threshold_percent + " %" : ""));
    if (h.accepted_submission_clarification_codes && h.accepted_submission_clarification_codes.length)
      rows.push(el("div", null, "Submission clarification codes accepted (420-DK): ", h.accepted_submission_clarification_codes.map((s) => s.code + " " + s.name).join("; ")));
    if (h.kind === "prior_authorization") {
      rows.push(el("div", null, "PA: ", h.pa_type_name || h.pa_type || "required", h.state ? " \u00b7 " + paState(h.state) : "",
        h.pa_on_file_expired ? " \u00b7 the PA on file expired " + (h.expired_on || "") : "",
        h.step_therapy_required ? " \u00b7 step therapy required" : ""));
    }
    if (h.help_desk_phone) rows.push(el("div", null, "Help desk: ", el("span", { class: "mono" }, phone(h.help_desk_phone))));
    if (h.alternatives && h.alternatives.length)
      rows.push(el("div", { class: "alternatives" }, "Covered alternatives:",
        table(["Product", "Name", "Tier", "Tier copay", "Formulary", "PA"],
          h.alternatives.map((a) => [a.product_id, a.name || "\u2014", a.tier ?? "\u2014", tierCopay(a), a.on_formulary ? "yes" : "no", a.pa_required ? "required" : "no"])),
        el("div", { class: "muted" }, TIER_COPAY_NOTE)));
    if (h.kind === "plan_limit") {
      const lim = [];
      if (h.max_quantity !== null && h.max_quantity !== undefined) lim.push("max " + h.max_quantity + (h.per_days ? " per " + h.per_days + " days" : ""));
      if (h.max_quantity_per_day !== null && h.max_quantity_per_day !== undefined) lim.push("max " + h.max_quantity_per_day + " per day of supply");
      if (h.max_days_supply !== null && h.max_days_supply !== undefined) lim.push("max days supply " + h.max_days_supply);
      if (h.allowed_quantity !== null && h.allowed_quantity !== undefined) lim.push("allowed now " + h.allowed_quantity);
      if (h.submitted_quantity !== null && h.submitted_quantity !== undefined) lim.push("sent " + h.submitted_quantity + (h.submitted_days_supply ? " for " + h.submitted_days_supply + " days" : ""));
      if (lim.length) rows.push(el("div", null, "Limits: ", lim.join(" \u00b7 ")));
    }
    if (h.conflicts && h.conflicts.length)
      rows.push(el("div", null, "DUR conflicts and the override codes this plan accepts:", table(["Conflict", "Significance", "Detail", "Override: reason / professional service / result"],
        h.conflicts.map((x) => [x.reason + " " + x.reason_name, x.significance_name || "\u2014",
          [x.free_text, x.previous_fill ? "previous fill " + x.previous_fill : null, x.other_pharmacy ? "filled at " + x.other_pharmacy : null].filter(Boolean).join(" \u00b7 ") || "\u2014",
          x.override ? x.override.reason_for_service + " / " + x.override.professional_service_codes.map((p) => p.code + " " + p.name).join(", ") + " / " + x.override.result_of_service_codes.map((p) => p.code + " " + p.name).join(", ") : "\u2014"]))));
    if (h.other_payers && h.other_payers.length)
      rows.push(el("div", null, "Bill first:", table(["BIN", "PCN", "Group", "Cardholder", "Help desk"],
        h.other_payers.map((o) => [o.bin, o.pcn || "\u2014", o.group || "\u2014", o.cardholder_id || "\u2014", phone(o.help_desk_phone) || "\u2014"]))));
    return rows;
  }

  // An alternative's tier copay (status API tier_copay, dollars): what the tier's copay or
  // coinsurance comes to for this claim's quantity at this pharmacy, before any deductible.
  function tierCopay(a) {
    if (a.tier_copay === null || a.tier_copay === undefined) return "\u2014";
    return money(a.tier_copay) + (a.tier_copay_kind === "coinsurance" ? " (coinsurance)" : "");
  }
  const TIER_COPAY_NOTE = "Tier copay: the plan's copay (or coinsurance) for the alternative's tier at this pharmacy, for this member's group, quantity and days supply. " +
    "A deductible not yet met or an out-of-pocket maximum can change what the patient finally pays.";

  function table(headers, rows) {
    return el("table", null, el("thead", null, el("tr", null, headers.map((h) => el("th", null, h)))),
      el("tbody", null, rows.map((r) => el("tr", null, r.map((v) => el("td", null, v))))));
  }

  function renderPricing(p) {
    if (!p) return el("div", { class: "empty" }, "No pricing: the claim did not pay.");
    const rows = [
      ["Ingredient cost paid", p.ingredient_cost_paid], ["Dispensing fee paid", p.dispensing_fee_paid],
      ["Incentive paid", p.incentive_paid], ["Professional fee paid", p.professional_fee_paid],
      ...(p.other_amounts_paid || []).map((o) => ["Other amount (" + o.qualifier + ")", o.amount]),
      ["Patient pay", p.patient_pay], ["Copay", p.copay], ["Coinsurance", p.coinsurance],
      ["Deductible applied", p.deductible_applied], ["Brand selection", p.product_selection_brand],
    ].filter(([, v]) => v !== null && v !== undefined);
    return el("table", null, el("tbody", null,
      rows.map(([k, v]) => el("tr", null, el("td", null, k), el("td", { class: "num" }, money(v)))),
      el("tr", null, el("td", null, el("strong", null, "Total paid by the plan")), el("td", { class: "num" }, el("strong", null, money(p.total_paid)))),
      p.basis_of_reimbursement ? el("tr", null, el("td", null, "Basis of reimbursement"), el("td", { class: "num" }, p.basis_of_reimbursement)) : null));
  }

  function renderDur(alerts) {
    if (!alerts || !alerts.length) return el("div", { class: "empty" }, "No DUR alerts.");
    return table(["Reason", "Significance", "Detail", "Caused the reject"], alerts.map((a) => [
      a.reason + " " + a.reason_name, a.significance_name || "\u2014",
      [a.free_text, a.additional_text, a.previous_fill ? "previous fill " + a.previous_fill : null, a.previous_quantity ? "quantity " + a.previous_quantity : null, filledAt(a.other_pharmacy)].filter(Boolean).join(" \u00b7 ") || "\u2014",
      a.caused_reject ? "yes" : "no"]));
  }

  function renderPa(pa) {
    return el("div", { class: "facts" },
      fact("Required", pa.required ? "yes" : "no"), fact("Type", pa.pa_type_name || pa.pa_type), fact("State", paState(pa.state)),
      fact("Number", pa.number), fact("Expired on", pa.expired_on),
      fact("Step therapy", pa.step_therapy_required ? (pa.step_therapy_satisfied ? "required, satisfied" : "required, not satisfied") : "not required"));
  }

  // The JSON form of a D.0 message (README.md, Contracts): header, segments, transactions' segments.
  function renderMessage(m) {
    if (!m) return el("div", { class: "empty" }, "Not stored.");
    const blocks = [];
    const named = (id) => "Segment " + id + (dictionary.segments[id] ? " \u00b7 " + dictionary.segments[id] : "");
    blocks.push(segmentTable("Header", Object.entries(m.header || {})));
    for (const s of m.segments || []) blocks.push(segmentTable(named(s.id), s.fields));
    (m.transactions || []).forEach((t, i) => {
      for (const s of t.segments || []) blocks.push(segmentTable("Transaction " + (i + 1) + " \u00b7 " + named(s.id), s.fields));
    });
    return el("div", null, el("div", { class: "segments" }, blocks),
      el("details", null, el("summary", null, "JSON"), el("pre", { class: "json" }, JSON.stringify(m, null, 2))));
  }

  function segmentTable(title, fields) {
    return el("div", null, el("h3", null, title), el("table", null, el("tbody", null,
      (fields || []).map(([id, v]) => {
        const f = dictionary.fields[id];
        return el("tr", null, el("td", { title: f && f.number ? f.number + "-" + id : id }, id), el("td", { class: "name" }, f ? f.name : ""), el("td", null, sentValue(id, v)));
      }))));
  }
})();
