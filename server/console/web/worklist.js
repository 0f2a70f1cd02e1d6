// The reject worklist: the technician's landing page in the console (GET /v1/pharmacies/{id}/worklist
// and .../worklist/counts, keyset pages), and the close / reopen / assign / note controls
// (POST /v1/worklist/{claim_id}/{action}) that the list and the claim page share. Shows only what
// the worklist API returns: no patient names, codes with their names, times in words.
"use strict";

const worklist = (() => {
  const { el, replace } = rx;
  const PHARMACY_KEY = "rxgate.pharmacy";
  const ASSIGNEE_KEY = "rxgate.assignee";
  // The close reasons the API accepts (openapi.json WorklistActionRequest), in words.
  const REASONS = [
    ["resolved_by_resubmission", "Resolved by resubmission"],
    ["sent_to_prescriber", "Sent to prescriber"],
    ["patient_paid_cash", "Patient paid cash"],
    ["pa_requested", "PA requested"],
    ["transferred", "Transferred"],
    ["other", "Other (say why in the note)"],
  ];
  const reasonName = (r) => (REASONS.find(([k]) => k === r) || [r, r ? r.replace(/_/g, " ") : "\u2014"])[1];

  let nextCursor = null;
  let lastQuery = null;
  let onRefused = () => {};

  const form = () => document.getElementById("worklist-filters");
  const errorBox = () => document.getElementById("worklist-error");

  function failed(e, box) {
    if (e.status === 401) return onRefused(e);
    replace(box, e.status === 404 ? "Not found, or not one of your pharmacies." : e.message);
  }

  // The API query of the form's filters (the hash carries the same names).
  function apiQuery(q) {
    const out = new URLSearchParams();
    if (q.get("state")) out.set("state", q.get("state"));
    if (q.get("today") === "true") out.set("today", "true");
    for (const k of ["reject", "bin", "pcn", "pharmacist"]) if (q.get(k)) out.set(k, q.get(k));
    if (q.get("unassigned") === "true") out.set("assignee", "");
    else if (q.get("assignee")) out.set("assignee", q.get("assignee"));
    return out;
  }

  form().addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const input of form().elements) {
      if (!input.name) continue;
      if (input.type === "checkbox") { if (input.checked) q.set(input.name, "true"); }
      else if (input.value.trim()) q.set(input.name, input.value.trim());
    }
    const target = "#worklist?" + q.toString();
    if (location.hash === target) show(q.toString());
    else location.hash = target;
  });
  document.getElementById("worklist-more").addEventListener("click", () => load(lastQuery, true));

  // The token's own pharmacies (GET /v1/me) as suggestions. An operator's token sees every
  // pharmacy and is given none: it types the one it wants.
  async function suggestPharmacies() {
    try {
      const me = await rx.api("/v1/me");
      replace(document.getElementById("pharmacies"), me.pharmacies.map((id) => el("option", { value: id })));
      form().elements.pharmacy.placeholder = me.every_pharmacy ? "any pharmacy" : "one of yours";
      return me.pharmacies;
    } catch (e) {
      if (e.status === 401) onRefused(e);
      return [];
    }
  }

  // Shows the list for the hash's query ("pharmacy=..&state=.."); without a pharmacy, the one
  // used last in this tab or the token's first.
  async function show(query, refused) {
    if (refused) onRefused = refused;
    const q = new URLSearchParams(query || "");
    for (const input of form().elements) {
      if (!input.name) continue;
      if (input.type === "checkbox") input.checked = q.get(input.name) === "true";
      else if (input.tagName === "SELECT") input.value = q.get(input.name) || "open";
      else input.value = q.get(input.name) || "";
    }
    replace(errorBox());
    const suggested = suggestPharmacies();
    if (!q.get("pharmacy")) {
      const known = sessionStorage.getItem(PHARMACY_KEY) || (await suggested)[0];
      if (!known) {
        replace(document.querySelector("#worklist tbody"), el("tr", null, el("td", { colspan: 9, class: "empty" }, "Enter a pharmacy ID to see its rejects.")));
        return;
      }
      q.set("pharmacy", known);
      history.replaceState(null, "", "#worklist?" + q.toString());
      form().elements.pharmacy.value = known;
    }
    sessionStorage.setItem(PHARMACY_KEY, q.get("pharmacy"));
    return load(q, false);
  }

  async function load(q, more) {
    lastQuery = q;
    const base = "/v1/pharmacies/" + encodeURIComponent(q.get("pharmacy")) + "/worklist";
    const params = apiQuery(q);
    const pageParams = new URLSearchParams(params);
    if (more && nextCursor) pageParams.set("cursor", nextCursor);
    let page;
    try {
      const [p, counts] = await Promise.all([rx.api(base + "?" + pageParams), more ? null : rx.api(base + "/counts?" + params)]);
      page = p;
      if (counts) renderCounts(counts, q);
    } catch (e) {
      return failed(e, errorBox());
    }
    const body = document.querySelector("#worklist tbody");
    const rows = page.rejects.flatMap((entry) => row(entry));
    if (more) body.append(...rows);
    else replace(body, rows.length ? rows : el("tr", null, el("td", { colspan: 9, class: "empty" }, "No rejects match: nothing to work.")));
    nextCursor = page.next_cursor;
    document.getElementById("worklist-more").classList.toggle("hidden", !nextCursor);
  }

  // The hash of the list with some filters changed (null drops one).
  function filtered(q, changes) {
    const next = new URLSearchParams(q);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    return "#worklist?" + next.toString();
  }

  function renderCounts(c, q) {
    const state = q.get("state") || "open";
    const chips = [el("a", { class: "chip" + (q.get("reject") || q.get("pharmacist") ? "" : " on"), href: filtered(q, { reject: null, pharmacist: null }), id: "count-all" },
      el("strong", null, rx.count(c.rejects)), " " + state + " reject" + (c.rejects === 1 ? "" : "s"))];
    if (c.for_pharmacist)
      chips.push(el("a", { class: "chip pharmacist" + (q.get("pharmacist") === "true" ? " on" : ""), href: filtered(q, { pharmacist: "true", reject: null }) },
        el("strong", null, rx.count(c.for_pharmacist)), " for a pharmacist"));
    for (const b of c.by_code)
      chips.push(el("a", { class: "chip" + (q.get("reject") === b.code ? " on" : ""), href: filtered(q, { reject: b.code, pharmacist: null }), "data-code": b.code, title: b.short_name },
        el("span", { class: "code" }, b.code), " " + b.short_name + " ", el("strong", null, rx.count(b.count))));
    replace(document.getElementById("worklist-counts"), chips);
  }

  function rejectNames(entry) {
    return entry.rejects.map((r) => el("div", { class: "reject-name" }, el("span", { class: "code" }, r.code), " " + r.short_name,
      r.for_pharmacist ? el("span", { class: "tag pharmacist" }, "pharmacist") : null));
  }

  // The state in words: open, paid later by claim #n, or closed by whom, why and when.
  function stateText(entry) {
    if (entry.state === "open") {
      if (entry.paid_by && entry.paid_by.reversed_at) return ["open again: the payment by ", claimLink(entry.paid_by.claim_id), " was reversed " + rx.when(entry.paid_by.reversed_at)];
      return ["open"];
    }
    const c = entry.closed;
    if (c.by === "payment" && entry.paid_by) return ["paid by ", claimLink(entry.paid_by.claim_id), " " + rx.when(entry.paid_by.received_at)];
    return ["closed: " + reasonName(c.reason) + (c.actor ? " by " + c.actor : "") + ", " + rx.when(c.at), c.note ? " \u00b7 " + c.note : ""];
  }
  function claimLink(id) { return el("a", { href: "#claim/" + id, class: "paid-by" }, "claim #" + id); }

  function row(entry) {
    const actionsRow = el("tr", { class: "actions-row hidden", "data-actions": entry.claim_id },
      el("td", { colspan: 9 }, actions(entry, (updated) => {
        const [fresh, freshActions] = row(updated);
        freshActions.classList.remove("hidden");
        tr.replaceWith(fresh);
        actionsRow.replaceWith(freshActions);
        if (lastQuery) rx.api("/v1/pharmacies/" + encodeURIComponent(lastQuery.get("pharmacy")) + "/worklist/counts?" + apiQuery(lastQuery))
          .then((c) => renderCounts(c, lastQuery)).catch(() => {});
      })));
    const open = () => { location.hash = "#claim/" + entry.claim_id; };
    const tr = el("tr", { class: "clickable state-" + entry.state, "data-claim": entry.claim_id, onclick: (ev) => { if (!ev.target.closest("a,button")) open(); } },
      el("td", { class: "age", title: rx.when(entry.received_at) }, rx.age(entry.received_at)),
      el("td", { class: "rejects" }, el("a", { href: "#claim/" + entry.claim_id }, rejectNames(entry))),
      el("td", { class: "mono" }, entry.rx_number + " / " + entry.fill_number),
      el("td", null, entry.product_name || entry.product_id || "\u2014"),
      el("td", null, entry.date_of_service),
      el("td", { class: "mono" }, entry.bin + " / " + (entry.pcn || "\u2014")),
      el("td", { class: "assignee" }, entry.assignee || el("span", { class: "muted" }, "unassigned")),
      el("td", { class: "state" }, stateText(entry)),
      el("td", null, el("button", { class: "secondary work", type: "button", onclick: () => actionsRow.classList.toggle("hidden") }, "Work\u2026")));
    return [tr, actionsRow];
  }

  // Close (with a reason), reopen, assign and note controls for one reject; onChange gets the
  // entry the API answers after an action.
  function actions(entry, onChange) {
    const box = el("div", { class: "error" });
    async function act(action, body) {
      replace(box);
      try {
        onChange(await rx.post("/v1/worklist/" + entry.claim_id + "/" + action, body));
      } catch (e) {
        failed(e, box);
      }
    }
    const parts = [];
    if (entry.state === "open") {
      const reason = el("select", { name: "reason" }, REASONS.map(([k, v]) => el("option", { value: k }, v)));
      const note = el("input", { name: "note", maxlength: 500, placeholder: "note (needed for other)" });
      parts.push(el("form", { class: "act close", onsubmit: (ev) => {
        ev.preventDefault();
        act("close", note.value.trim() ? { reason: reason.value, note: note.value.trim() } : { reason: reason.value });
      } }, el("label", null, "Close as", reason), note, el("button", { class: "secondary", type: "submit" }, "Close")));
    } else if (entry.closed && entry.closed.by === "technician") {
      parts.push(el("form", { class: "act reopen", onsubmit: (ev) => { ev.preventDefault(); act("reopen", {}); } },
        el("button", { class: "secondary", type: "submit" }, "Reopen")));
    }
    const assignee = el("input", { name: "assignee", maxlength: 64, value: entry.assignee || "", placeholder: sessionStorage.getItem(ASSIGNEE_KEY) || "name" });
    parts.push(el("form", { class: "act assign", onsubmit: (ev) => {
      ev.preventDefault();
      const who = assignee.value.trim();
      if (who) sessionStorage.setItem(ASSIGNEE_KEY, who);
      act("assign", { assignee: who });
    } }, el("label", null, "Assign to", assignee), el("button", { class: "secondary", type: "submit" }, entry.assignee ? "Reassign" : "Assign")));
    const note = el("input", { name: "note", maxlength: 500, placeholder: "what was done, who was called" });
    parts.push(el("form", { class: "act note", onsubmit: (ev) => {
      ev.preventDefault();
      if (note.value.trim()) act("note", { note: note.value.trim() });
    } }, el("label", null, "Note", note), el("button", { class: "secondary", type: "submit" }, "Add note")));
    return el("div", { class: "wl-actions", "data-claim": entry.claim_id }, parts, box);
  }

  // One reject with its actions (GET /v1/worklist/{claim_id}); null when the claim is not in the
  // worklist (or not the token's).
  async function entry(claimId) {
    try {
      return await rx.api("/v1/worklist/" + claimId);
    } catch (e) {
      if (e.status === 401) onRefused(e);
      return null;
    }
  }

  // The claim page's worklist bar: state (paid later by which claim, or who closed it and why),
  // assignee, the controls and what was done, oldest first.
  function claimPanel(first) {
    const panel = el("section", { class: "panel worklist-bar", id: "worklist-entry" });
    function fill(e) {
      replace(panel,
        el("div", { class: "state-line state-" + e.state },
          el("strong", null, "Worklist: "), stateText(e),
          " \u00b7 assignee: ", e.assignee || "unassigned",
          e.for_pharmacist ? el("span", { class: "tag pharmacist" }, "for a pharmacist") : null),
        actions(e, async (updated) => fill((await entry(e.claim_id)) || updated)),
        e.actions && e.actions.length ? el("ul", { class: "wl-log" }, e.actions.map((a) => el("li", null, rx.when(a.at) + " \u00b7 " + a.actor + " \u00b7 " + a.action +
          (a.reason ? " (" + reasonName(a.reason) + ")" : "") + (a.action === "assign" ? " to " + (a.assignee || "nobody") : "") + (a.note ? ": " + a.note : "")))) : null);
    }
    fill(first);
    return panel;
  }

  return { show, entry, claimPanel, stateText };
})();
