// Policies: list, delete, and an editor that starts from a server template and is checked by the
// server (POST /policies/check) as the person types; Create posts it, Save replaces an existing one.
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  const CHECK_DELAY_MS = 250;
  let editing = null, timer = null, checks = 0, templates = {};
  const signedIn = ui.start("policies");  // the header's account call runs beside the page's own

  function verdict(text, good) {
    $("check").textContent = text;
    $("check").className = "hint " + (good ? "ok" : "bad");
    $("document").toggleAttribute("aria-invalid", !good);
    $("editor").dataset.valid = good ? "yes" : "no";
  }

  async function check() {
    const mine = ++checks;
    let document_;
    try { document_ = JSON.parse($("document").value); } catch (error) { verdict("Not valid JSON: " + error.message, false); return false; }
    try {
      await ui.api("/policies/check", {method: "POST", body: document_});
      if (mine === checks) verdict("Valid policy.", true);
      return true;
    } catch (error) {
      if (mine === checks) verdict(error.message, false);
      return false;
    }
  }

  $("document").addEventListener("input", () => {
    $("editor").dataset.valid = "";
    clearTimeout(timer);
    timer = setTimeout(check, CHECK_DELAY_MS);
  });

  function edit(policy) {
    editing = policy ? policy.id : null;
    const {id, createdAt, updatedAt, ...document_} = policy || {name: "", actionRules: [], defaultAction: "allow"};
    $("document").value = JSON.stringify(document_, null, 2);
    $("save").textContent = editing ? "Save policy" : "Create policy";
    check();
  }

  $("template").addEventListener("change", () => {
    const chosen = templates[$("template").value];
    if (!chosen) return;
    editing = null;
    $("save").textContent = "Create policy";
    $("document").value = JSON.stringify({...chosen, status: "active"}, null, 2);
    check();
  });
  $("new").addEventListener("click", () => { $("template").value = ""; edit(null); $("document").focus(); });

  async function load() {
    const body = await ui.api("/policies");
    $("list").replaceChildren(...body.policies.map((p) => ui.el("tr", {"data-policy": p.id},
      ui.el("td", {}, p.name), ui.el("td", {}, p.status), ui.el("td", {}, (p.actionRules || []).length),
      ui.el("td", {}, ui.el("div", {class: "row", style: "margin: 0"},
        ui.el("button", {type: "button", onclick: () => { edit(p); $("document").focus(); }}, "Edit"),
        ui.el("button", {type: "button", class: "danger", onclick: async () => {
          if (!confirm(`Delete the policy ${p.name}?`)) return;
          await ui.api("/policies/" + p.id, {method: "DELETE"}).catch((e) => ui.say($("error"), e.message));
          await load();
        }}, "Delete"))))));
    if (!body.policies.length) $("list").append(ui.el("tr", {}, ui.el("td", {colspan: 4, class: "muted"}, "No policy yet.")));
  }

  $("editor").addEventListener("submit", async (event) => {
    event.preventDefault();
    ui.say($("error"), "");
    if (!await check()) { $("document").focus(); return; }
    try {
      const body = JSON.parse($("document").value);
      const saved = editing ? await ui.api("/policies/" + editing, {method: "PUT", body})
        : await ui.api("/policies", {method: "POST", body});
      edit(saved.policy);
      await load();
    } catch (error) { ui.say($("error"), error.message); }
  });

  const [list, found] = await Promise.all([load().catch((e) => ui.say($("error"), e.message)), ui.api("/policies/templates")]);
  templates = found.templates;
  $("template").append(...Object.entries(templates).map(([key, t]) => ui.el("option", {value: key}, t.name)));
  edit(null);
  await signedIn;
  ui.ready();
})();
