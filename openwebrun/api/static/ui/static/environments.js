// Environments: create (and upload an archive), list, download (a signed link), delete.
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  const signedIn = ui.start("environments");  // the header's account call runs beside the page's own

  async function upload(id, file) {
    const form = new FormData();
    form.append("file", file, file.name);
    await ui.api(`/environments/${id}/upload`, {method: "POST", form});
  }

  async function download(id) {
    const link = await ui.api(`/environments/${id}/download`);
    location.assign(link.downloadUrl || link.url);
  }

  async function remove(env) {
    if (!confirm(`Delete the environment ${env.name || env.id}?`)) return;
    await ui.api(`/environments/${env.id}`, {method: "DELETE"});
    await load();
  }

  const act = (fn) => () => fn().catch((error) => ui.say($("error"), error.message));

  async function load() {
    const body = await ui.api("/environments");
    $("list").replaceChildren(...body.environments.map((e) => ui.el("tr", {},
      ui.el("td", {}, e.name || ui.short(e.id)), ui.el("td", {}, e.inUse ? "in use" : e.status),
      ui.el("td", {}, e.blobSize ? ui.bytes(e.blobSize) : "empty"), ui.el("td", {}, ui.time(e.lastUsedAt) || "never"),
      ui.el("td", {}, ui.el("div", {class: "row", style: "margin: 0"},
        ui.el("button", {type: "button", disabled: !e.blobSize, onclick: act(() => download(e.id))}, "Download"),
        ui.el("button", {type: "button", class: "danger", disabled: e.inUse, onclick: act(() => remove(e))}, "Delete"))))));
    if (!body.environments.length) $("list").append(ui.el("tr", {}, ui.el("td", {colspan: 5, class: "muted"}, "No environment yet.")));
  }

  $("create").addEventListener("submit", async (event) => {
    event.preventDefault();
    ui.say($("error"), "");
    try {
      const made = await ui.api("/environments", {method: "POST", body: $("name").value.trim() ? {name: $("name").value.trim()} : {}});
      const id = (made.environment || made).id;
      if ($("archive").files.length) await upload(id, $("archive").files[0]);
      $("name").value = ""; $("archive").value = "";
      await load();
    } catch (error) { ui.say($("error"), error.message); }
  });

  await load().catch((error) => ui.say($("error"), error.message));
  await signedIn;
  ui.ready();
})();
