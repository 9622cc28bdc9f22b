// Files: upload (POST /files/upload), list (GET /files) with signed download links, delete.
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  const signedIn = ui.start("files");  // the header's account call runs beside the page's own

  async function load() {
    const body = await ui.api("/files");
    $("list").replaceChildren(...body.files.map((f) => ui.el("tr", {"data-file": f.fileId},
      ui.el("td", {}, f.name), ui.el("td", {}, ui.bytes(f.size)), ui.el("td", {}, ui.time(f.createdAt)),
      ui.el("td", {}, f.source ? "a task's download" : "upload"),
      ui.el("td", {}, ui.el("div", {class: "row", style: "margin: 0"},
        ui.el("a", {href: f.downloadUrl, download: f.name}, "Download " + f.name),
        ui.el("button", {type: "button", class: "danger", "aria-label": "Delete " + f.name, onclick: () => remove(f)}, "Delete"))))));
    if (!body.files.length) $("list").append(ui.el("tr", {}, ui.el("td", {colspan: 5, class: "muted"}, "No file yet.")));
  }

  async function remove(file) {
    if (!confirm(`Delete ${file.name}? Its download links stop working.`)) return;
    ui.say($("error"), "");
    try {
      await ui.api("/files/" + file.fileId, {method: "DELETE"});
      await load();
    } catch (error) { ui.say($("error"), error.message); }
  }

  $("upload").addEventListener("submit", async (event) => {
    event.preventDefault();
    ui.say($("error"), "");
    $("done").textContent = "";
    const picked = $("picked").files;
    if (!picked.length) { ui.say($("error"), "Choose one or more files first."); $("picked").focus(); return; }
    const form = new FormData();
    for (const file of picked) form.append("files", file, file.name);
    try {
      const answer = await ui.api("/files/upload", {method: "POST", form});
      $("done").textContent = `Uploaded ${answer.files ? answer.files.length : picked.length} file(s).`;
      $("picked").value = "";
      await load();
    } catch (error) { ui.say($("error"), error.message); }
  });

  await load().catch((error) => ui.say($("error"), error.message));
  await signedIn;
  ui.ready();
})();
