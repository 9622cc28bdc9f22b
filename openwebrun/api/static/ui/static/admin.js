// Accounts and keys (admin keys only): /admin/accounts and /admin/keys. A new key's secret is shown once.
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  const account = await ui.start("admin");
  if (!ui.isAdmin(account)) {
    ui.say($("denied"), "This API key lacks permission to manage accounts and keys: that needs a key with the admin scope.");
    ui.ready();
    return;
  }
  $("work").hidden = false;
  let names = {};  // account id -> name, for the keys table
  let madeAccount = "";  // a new account is the one the next key is for

  const status = (active, yes, no) => ui.el("span", {class: "badge " + (active ? "ok" : "bad")}, active ? yes : no);

  function accountRow(a) {
    const actions = a.active && a.accountId !== account.accountId
      ? ui.el("button", {type: "button", class: "danger", "aria-label": "Deactivate " + a.name,
                         onclick: () => deactivate(a)}, "Deactivate") : null;
    return ui.el("tr", {"data-account": a.accountId}, ui.el("td", {}, a.name, a.admin ? " (admin)" : ""),
      ui.el("td", {class: "mono"}, a.accountId), ui.el("td", {}, status(a.active, "active", "inactive")),
      ui.el("td", {}, ui.money(a.balance)), ui.el("td", {}, a.sessionLimit ?? "server's"),
      ui.el("td", {}, ui.time(a.createdAt)), ui.el("td", {}, actions));
  }

  function keyRow(k) {
    const label = `${k.name || "unnamed"} (${k.prefix}…)`;
    const actions = k.revoked ? null : ui.el("button", {type: "button", class: "danger", "aria-label": "Revoke key " + label,
                                                       onclick: () => revoke(k, label)}, "Revoke");
    return ui.el("tr", {"data-key": k.keyId}, ui.el("td", {class: "mono"}, k.prefix + "…"),
      ui.el("td", {}, k.name), ui.el("td", {}, names[k.accountId] || ui.short(k.accountId)),
      ui.el("td", {}, k.scopes.join(", ")), ui.el("td", {}, ui.time(k.createdAt)),
      ui.el("td", {}, status(!k.revoked, "active", "revoked")), ui.el("td", {}, actions));
  }

  function choices(select, accounts, prefer) {
    const kept = prefer || select.value;
    select.replaceChildren(...accounts.filter((a) => a.active).map((a) => ui.el("option", {value: a.accountId}, a.name)));
    if (kept) select.value = kept;
  }

  async function load() {
    const [accounts, keys] = await Promise.all([ui.api("/admin/accounts"), ui.api("/admin/keys")]);
    names = Object.fromEntries(accounts.accounts.map((a) => [a.accountId, a.name]));
    $("accounts").replaceChildren(...accounts.accounts.map(accountRow));
    $("keys").replaceChildren(...keys.keys.map(keyRow));
    choices($("creditAccount"), accounts.accounts.filter((a) => !a.unlimited));
    choices($("keyAccount"), accounts.accounts, madeAccount);
    madeAccount = "";
  }

  /** Run one change: clear the messages, say what was done, reload the tables; errors go to the alert. */
  async function change(work, focusOnError) {
    ui.say($("error"), "");
    $("done").textContent = "";
    try {
      $("done").textContent = await work();
      await load();
    } catch (error) {
      ui.say($("error"), error.message);
      if (focusOnError) focusOnError.focus();
    }
  }

  async function deactivate(a) {
    if (!confirm(`Deactivate ${a.name}? Its keys are refused from now on.`)) return;
    await change(async () => { await ui.api(`/admin/accounts/${a.accountId}/deactivate`, {method: "POST"});
                               return `Deactivated ${a.name}.`; });
  }

  async function revoke(k, label) {
    if (!confirm(`Revoke key ${label}? It is refused from now on.`)) return;
    await change(async () => { await ui.api("/admin/keys/" + k.keyId, {method: "DELETE"}); return `Revoked key ${label}.`; });
  }

  $("unlimited").addEventListener("change", () => { $("startBalance").disabled = $("unlimited").checked; });

  $("newAccount").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = {name: $("accountName").value.trim()};
    if ($("unlimited").checked) body.unlimited = true; else body.balance = Number($("startBalance").value || 0);
    if ($("sessionLimit").value) body.sessionLimit = Number($("sessionLimit").value);
    change(async () => {
      const made = await ui.api("/admin/accounts", {method: "POST", body});
      $("newAccount").reset();
      $("startBalance").disabled = false;
      madeAccount = made.account.accountId;
      return `Created account ${made.account.name}.`;
    }, $("accountName"));
  });

  $("credit").addEventListener("submit", (event) => {
    event.preventDefault();
    const id = $("creditAccount").value, usd = Number($("creditUsd").value);
    change(async () => {
      const answer = await ui.api(`/admin/accounts/${id}/credit`, {method: "POST", body: {usd}});
      $("creditUsd").value = "";
      return `${answer.account.name}: balance ${ui.money(answer.account.balance)}.`;
    }, $("creditUsd"));
  });

  $("newKey").addEventListener("submit", (event) => {
    event.preventDefault();
    const scopes = [...document.querySelectorAll("input[name=scope]:checked")].map((box) => box.value);
    if (!scopes.length) { ui.say($("error"), "Choose at least one thing the key may do."); return; }
    change(async () => {
      const made = await ui.api("/admin/keys", {method: "POST",
        body: {accountId: $("keyAccount").value, name: $("keyName").value.trim(), scopes}});
      $("keyName").value = "";
      $("secret").value = made.secret;
      $("copied").textContent = "";
      $("secretBox").hidden = false;
      $("secret").focus();
      $("secret").select();
      return `Created key ${made.key.prefix}… for ${names[made.key.accountId] || made.key.accountId}.`;
    });
  });

  $("copy").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText($("secret").value);
      $("copied").textContent = "Copied.";
    } catch {
      $("secret").select();
      $("copied").textContent = "Copying was not allowed: the key is selected, press Ctrl+C.";
    }
  });
  $("dismiss").addEventListener("click", () => {  // the secret leaves the page
    $("secret").value = "";
    $("secretBox").hidden = true;
    $("newKey").querySelector("button[type=submit]").focus();
  });

  await load().catch((error) => ui.say($("error"), error.message));
  ui.ready();
})();
