// The console's prior authorization page (#pa, or #pa?claim=ID from a claim's 75): a member's
// prior authorizations on file (GET /v1/prior-authorizations) with their state and validity in
// words, a request form (POST) and revoke (DELETE). The member is typed in or taken from the
// claim, never put in the address: the hash carries at most a claim id. What a token may do is
// the API's business (today operators and admins manage PAs; a technician's token is refused
// with 403), and the page says what the API said.
"use strict";

const pa = (() => {
  const { el, replace } = rx;
  let onRefused = () => {};
  let member = null;  // {bin, cardholder_id, person_code} of the list shown
  let fromClaim = null;

  const lookup = () => document.getElementById("pa-member");
  const request = () => document.getElementById("pa-request");
  const listBox = () => document.querySelector("#pa-list tbody");
  const errorBox = () => document.getElementById("pa-error");
  const doneBox = () => document.getElementById("pa-done");

  // YYYY-MM-DD in UTC, the calendar the API dates PAs in (today_utc()).
  const isoDay = (d) => d.toISOString().slice(0, 10);
  const today = () => isoDay(new Date());
  function daysBetween(from, to) {
    return Math.round((Date.parse(to + "T00:00:00Z") - Date.parse(from + "T00:00:00Z")) / 86400000);
  }

  function failed(e, box) {
    if (e.status === 401) return onRefused(e);
    if (e.status === 403)
      return replace(box, "This token may not see or request prior authorizations (the API says: " + e.message +
        "). Ask an operator to request it, or call the plan's help desk.");
    replace(box, e.message);
  }

  // A PA's state and validity in words, and a class for the row: active (with the days left),
  // not yet in force, expired or revoked.
  function stateOf(p, on) {
    if (p.revoked_at) return { key: "revoked", words: "revoked " + rx.when(p.revoked_at) + (p.revoked_by ? " by " + p.revoked_by : "") };
    if (p.effective > on) return { key: "future", words: "approved, in force from " + p.effective + " until " + p.expires };
    if (p.expires < on) return { key: "expired", words: "expired on " + p.expires };
    const left = daysBetween(on, p.expires);
    return { key: "active", words: "active until " + p.expires + " (" + (left === 0 ? "last day today" : left === 1 ? "1 day left" : left + " days left") + ")" };
  }

  function covers(p) {
    if (p.product_id) return el("span", null, "product ", el("span", { class: "mono" }, p.product_id));
    return "any drug of class " + p.therapeutic_class;
  }

  function row(p, on) {
    const state = stateOf(p, on);
    const box = el("span", { class: "error" });
    const revoke = state.key === "revoked" ? null : el("button", { class: "secondary revoke", type: "button", onclick: async () => {
      replace(box);
      try {
        await rx.api("/v1/prior-authorizations/" + p.id, { method: "DELETE" });
        await list();
      } catch (e) {
        failed(e, box);
      }
    } }, "Revoke");
    return el("tr", { "data-pa": p.id, "data-number": p.number, class: "pa-" + state.key },
      el("td", { class: "mono number" }, p.number),
      el("td", null, covers(p)),
      el("td", { class: "state" }, state.words),
      el("td", null, p.effective + " \u2013 " + p.expires),
      el("td", null, p.max_quantity === null ? "no limit" : String(p.max_quantity) + " per fill"),
      el("td", null, (p.created_by || p.source) + ", " + rx.when(p.created_at)),
      el("td", null, revoke, box));
  }

  async function list() {
    if (!member) return;
    const q = new URLSearchParams(member);
    let answer;
    try {
      answer = await rx.api("/v1/prior-authorizations?" + q.toString());
    } catch (e) {
      replace(listBox(), el("tr", null, el("td", { colspan: 7, class: "empty" }, "Not listed.")));
      return failed(e, errorBox());
    }
    const on = today();
    const rows = answer.prior_authorizations.map((p) => row(p, on));
    replace(listBox(), rows.length ? rows : el("tr", null, el("td", { colspan: 7, class: "empty" }, "No prior authorization on file for this member.")));
  }

  function memberOf(form) {
    const v = (name) => form.elements[name].value.trim();
    return { bin: v("bin"), cardholder_id: v("cardholder_id"), person_code: v("person_code") };
  }

  function setMember(m) {
    for (const form of [lookup(), request()])
      for (const [k, v] of Object.entries(m)) if (form.elements[k]) form.elements[k].value = v || "";
  }

  lookup().addEventListener("submit", (ev) => {
    ev.preventDefault();
    replace(errorBox());
    replace(doneBox());
    member = memberOf(lookup());
    setMember(member);
    list();
  });

  request().addEventListener("submit", async (ev) => {
    ev.preventDefault();
    replace(errorBox());
    replace(doneBox());
    const f = request();
    const body = memberOf(f);
    const what = f.elements.covers.value;
    const value = f.elements[what].value.trim();
    if (value) body[what] = value;
    for (const k of ["effective", "expires"]) if (f.elements[k].value) body[k] = f.elements[k].value;
    if (f.elements.max_quantity.value.trim()) body.max_quantity = Number(f.elements.max_quantity.value);
    let created;
    try {
      created = await rx.post("/v1/prior-authorizations", body);
    } catch (e) {
      return failed(e, errorBox());
    }
    replace(doneBox(), "Requested: PA number ", el("strong", { class: "mono" }, created.number), " \u00b7 " + stateOf(created, today()).words +
      (fromClaim ? ". Resubmit claim #" + fromClaim.id + " with 462-EV = " + created.number + " (or unchanged: the PA on file applies)." : "."));
    member = { bin: created.bin, cardholder_id: created.cardholder_id, person_code: created.person_code || "" };
    setMember(member);
    await list();
  });

  // The product field or the class field, as the radio says.
  for (const radio of document.querySelectorAll("#pa-request input[name=covers]"))
    radio.addEventListener("change", () => {
      const f = request();
      f.elements.product_id.disabled = f.elements.covers.value !== "product_id";
      f.elements.therapeutic_class.disabled = f.elements.covers.value !== "therapeutic_class";
    });

  // Shows the page for the hash's query: "claim=ID" prefills the member and the drug from that claim.
  async function show(query, refused) {
    if (refused) onRefused = refused;
    replace(errorBox());
    replace(doneBox());
    const f = request();
    if (!f.elements.effective.value) f.elements.effective.value = today();
    const id = new URLSearchParams(query || "").get("claim");
    const context = document.getElementById("pa-claim");
    fromClaim = null;
    replace(context);
    if (id) {
      let c;
      try {
        c = await rx.api("/v1/claims/" + encodeURIComponent(id));
      } catch (e) {
        return failed(e, errorBox());
      }
      fromClaim = c;
      const rejected75 = (c.rejects || []).some((r) => r.code === "75");
      replace(context, "For ", el("a", { href: "#claim/" + c.id }, "claim #" + c.id), ": Rx " + c.rx_number + " / " + c.fill_number + ", " +
        (c.product.name || c.product.id) + ", date of service " + c.date_of_service + (rejected75 ? " (rejected 75, prior authorization required)" : ""));
      member = { bin: c.payer.bin, cardholder_id: c.member.cardholder_id, person_code: c.member.person_code || "" };
      setMember(member);
      f.elements.covers.value = "product_id";
      f.elements.product_id.disabled = false;
      f.elements.therapeutic_class.disabled = true;
      f.elements.product_id.value = c.product.id || "";
      f.elements.therapeutic_class.value = c.product.therapeutic_class || "";
    }
    context.classList.toggle("hidden", !id);
    if (member) return list();
    replace(listBox(), el("tr", null, el("td", { colspan: 7, class: "empty" }, "Give a member (BIN, cardholder ID, person code) to list their prior authorizations.")));
  }

  // Requests filed over the wire (P1/P4, issue 15): GET ?state=pending lists them for reviewers,
  // operators and admins; approve (validity and quantity) and deny (a reason) are the reviewers'
  // and admins'. A token that may not list them sees why; one that may not decide gets the API's 403.
  const pendingBox = () => document.querySelector("#pa-pending tbody");
  const pendingError = () => document.getElementById("pa-pending-error");

  function pendingRow(p) {
    const box = el("span", { class: "error" });
    const expires = el("input", { type: "date", name: "expires", value: p.expires, "aria-label": "expires" });
    const effective = el("input", { type: "date", name: "effective", value: p.effective > today() ? p.effective : today(), "aria-label": "effective" });
    const quantity = el("input", { type: "number", name: "max_quantity", min: "0", step: "any", placeholder: "no limit", "aria-label": "max quantity per fill" });
    const reason = el("input", { name: "reason", placeholder: "reason to deny", "aria-label": "reason" });
    const decide = (what, body) => async () => {
      replace(box);
      try {
        await rx.post("/v1/prior-authorizations/" + p.id + "/" + what, body());
        await pending();
      } catch (e) {
        if (e.status === 401) return onRefused(e);
        replace(box, e.status === 403 ? "Only reviewers and admins decide requests (the API says: " + e.message + ")." : e.message);
      }
    };
    const approve = el("button", { class: "primary approve", type: "button", onclick: decide("approve", () => {
      const b = { effective: effective.value, expires: expires.value };
      if (quantity.value.trim()) b.max_quantity = Number(quantity.value);
      return b;
    }) }, "Approve");
    const deny = el("button", { class: "secondary deny", type: "button", onclick: decide("deny", () => ({ reason: reason.value.trim() })) }, "Deny");
    const r = p.request || {};
    return el("tr", { "data-pa": p.id, "data-number": p.number },
      el("td", { class: "mono number" }, p.number),
      el("td", { class: "mono" }, p.bin + " / " + p.cardholder_id + (p.person_code ? " / " + p.person_code : "")),
      el("td", null, covers(p)),
      el("td", null, p.effective + " \u2013 " + p.expires),
      el("td", null, (r.transaction_code || "") + " from pharmacy ", el("span", { class: "mono" }, r.provider_id || "?"),
        ", Rx " + (r.rx_number || "?") + ", " + rx.when(p.created_at)),
      el("td", null, effective, expires, quantity, approve, reason, deny, box));
  }

  async function pending() {
    replace(pendingError());
    let answer;
    try {
      answer = await rx.api("/v1/prior-authorizations?state=pending");
    } catch (e) {
      if (e.status === 401) return onRefused(e);
      replace(pendingBox(), el("tr", null, el("td", { colspan: 6, class: "empty" },
        e.status === 403 ? "Pending requests are for reviewers, operators and admins." : "Not listed.")));
      if (e.status !== 403) replace(pendingError(), e.message);
      return;
    }
    const rows = answer.prior_authorizations.map(pendingRow);
    replace(pendingBox(), rows.length ? rows : el("tr", null, el("td", { colspan: 6, class: "empty" }, "No pending request.")));
  }

  const showMember = show;
  async function showPage(query, refused) {
    const shown = showMember(query, refused);
    await pending();
    return shown;
  }

  return { show: showPage, stateOf, pending };
})();
