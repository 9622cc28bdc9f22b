// Sessions: the live ones (polled every 2 s, elapsed time ticking), recent tasks, and the start form.
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  const REFRESH_MS = 2000;
  let live = [];
  const signedIn = ui.start("sessions");  // the header's account call runs beside the page's own

  function drawLive() {
    $("none").hidden = live.length > 0;
    $("live").replaceChildren(...live.map((s) => ui.el("tr", {"data-session": s.sessionId},
      ui.el("td", {}, ui.el("a", {href: "session?id=" + s.sessionId, class: "mono"}, ui.short(s.sessionId))),
      ui.el("td", {}, ui.badge(s.state)),
      ui.el("td", {class: "mono"}, s.url || ""),
      ui.el("td", {class: "elapsed", "data-since": s.createdAt}, ui.elapsed(s.createdAt)),
      ui.el("td", {}, s.taskId ? ui.el("a", {href: `task?session=${s.sessionId}&task=${s.taskId}`, class: "mono"},
        ui.short(s.taskId)) : s.queued ? `${s.queued} queued` : "–"))));
  }

  function drawRecent(tasks) {
    $("recent").replaceChildren(...tasks.map((t) => ui.el("tr", {},
      ui.el("td", {}, ui.el("a", {href: `task?session=${t.sessionId}&task=${t.taskId}`}, t.taskDetails.slice(0, 90) || "(task)")),
      ui.el("td", {}, ui.badge(t.status)),
      ui.el("td", {}, ui.time(t.createdAt)),
      ui.el("td", {}, ui.money(t.cost)))));
  }

  async function refresh() {
    try {
      const body = await ui.api("/sessions");
      live = body.sessions;
      drawLive();
      drawRecent(body.recentTasks);
    } catch (error) { ui.say($("startError"), "Could not load the sessions: " + error.message); }
  }

  function tick() {
    for (const cell of document.querySelectorAll("td.elapsed")) cell.textContent = ui.elapsed(cell.dataset.since);
  }

  async function loadChoices() {
    const [files, environments, policies] = await Promise.all([
      ui.api("/files").catch(() => ({files: []})),
      ui.api("/environments").catch(() => ({environments: []})),
      ui.api("/policies").catch(() => ({policies: []}))]);
    $("files").replaceChildren(...files.files.filter((f) => !f.source).map((f) =>
      ui.el("option", {value: f.fileId}, `${f.name} (${ui.bytes(f.size)})`)));
    $("environmentId").append(...environments.environments.map((e) =>
      ui.el("option", {value: e.id, disabled: e.inUse}, (e.name || ui.short(e.id)) + (e.inUse ? " (in use)" : ""))));
    $("policyId").append(...policies.policies.map((p) =>
      ui.el("option", {value: p.id, disabled: p.status !== "active"}, p.name + (p.status !== "active" ? " (draft)" : ""))));
  }

  // --- the form ---------------------------------------------------------------------------
  function schemaState() {
    const structured = $("outputType").value !== "text";
    $("schemaBox").hidden = !structured;
    if (!structured) return null;
    try {
      const schema = JSON.parse($("outputSchema").value);
      if ($("outputType").value === "structured_csv") {
        if (!Array.isArray(schema) || !schema.length || schema.some((c) => typeof c !== "string" || !c)) {
          throw new Error("CSV output takes a list of column names, e.g. [\"name\", \"price\"]");
        }
      } else if (typeof schema !== "object" || schema === null || Array.isArray(schema)) {
        throw new Error("a JSON Schema is an object");
      }
      $("schemaState").textContent = "Valid JSON.";
      $("schemaState").className = "hint ok";
      $("outputSchema").removeAttribute("aria-invalid");
      return schema;
    } catch (error) {
      $("schemaState").textContent = "Not valid: " + error.message;
      $("schemaState").className = "hint bad";
      $("outputSchema").setAttribute("aria-invalid", "true");
      return undefined;
    }
  }
  const EXAMPLES = {structured_json: $("outputSchema").value, structured_csv: '["name", "price"]'};
  let lastType = $("outputType").value;
  $("outputType").addEventListener("change", () => {
    const type = $("outputType").value;
    // the example follows the type until the person edits it
    if (type in EXAMPLES && (!(lastType in EXAMPLES) || $("outputSchema").value === EXAMPLES[lastType])) {
      $("outputSchema").value = EXAMPLES[type];
    }
    lastType = type;
    schemaState();
  });
  $("outputSchema").addEventListener("input", schemaState);
  $("proxySource").addEventListener("change", () => {
    $("proxyCustom").hidden = $("proxySource").value !== "custom";
    $("proxyPool").hidden = $("proxySource").value !== "WebRun";
  });

  function proxy() {
    const source = $("proxySource").value;
    if (!source) return undefined;
    if (source === "WebRun") return {source, country: $("proxyCountry").value.trim()};
    const chosen = {source, type: $("proxyType").value, host: $("proxyHost").value.trim(), port: Number($("proxyPort").value)};
    if ($("proxyUser").value) chosen.username = $("proxyUser").value;
    if ($("proxyPassword").value) chosen.password = $("proxyPassword").value;
    return chosen;
  }

  $("start").addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = $("startError");
    ui.say(error, "");
    const oneOff = $("start").elements.kind.value === "task";
    const text = $("taskDetails").value.trim();
    if (oneOff && !text) { ui.say(error, "A one-off task needs its task text."); $("taskDetails").focus(); return; }
    const schema = schemaState();
    if (schema === undefined) { ui.say(error, "The output schema is not valid JSON."); $("outputSchema").focus(); return; }
    const task = {actionType: "newTask", taskDetails: text, outputType: $("outputType").value};
    if ($("startingPoint").value.trim()) task.startingPoint = $("startingPoint").value.trim();
    if (schema) task.outputSchema = schema;
    const files = [...$("files").selectedOptions].map((o) => o.value);
    if (files.length) task.files = files;
    if (oneOff) task.terminateOnCompletion = true;
    const options = {mode: "default"};
    if ($("environmentId").value) options.environmentId = $("environmentId").value;
    if ($("policyId").value) options.policyId = $("policyId").value;
    if (proxy()) options.proxy = proxy();
    const button = event.submitter;
    button.disabled = true;
    try {
      const started = await ui.api("/start/start-session", {method: "POST", body: options});
      // The session page connects to the session's socket first, then sends the task: no event is missed.
      if (text) sessionStorage.setItem("openwebrun.pending." + started.sessionId, JSON.stringify(task));
      location.assign("session?id=" + started.sessionId);
    } catch (failure) {
      ui.say(error, failure.message);
      button.disabled = false;
    }
  });

  schemaState();
  const choices = loadChoices();  // the form's lists fill in as they come; the page is usable before
  await refresh();
  setInterval(refresh, REFRESH_MS);
  setInterval(tick, 1000);
  await signedIn;
  ui.ready();
  await choices;
  document.getElementById("start").dataset.choices = "loaded";
})();
