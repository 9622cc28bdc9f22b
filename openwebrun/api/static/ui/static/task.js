// A task: its result (text, JSON, CSV as a table), files, visited URLs, usage, and the step trace
// as a replay. Screenshots need the key, so they are fetched (the current step and its neighbours).
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  const sessionId = ui.idParam("session"), taskId = ui.idParam("task");
  const POLL_MS = 2000;
  const shots = new Map();  // step number -> Promise of an object URL (or null)
  let steps = [], current = 0;
  const signedIn = ui.start("sessions");  // the header's account call runs beside the page's own
  $("tid").textContent = ui.short(taskId);

  // --- result ----------------------------------------------------------------------------
  function table(rows) {
    const columns = Array.isArray(rows[0]) ? rows[0].map((_, i) => String(i + 1)) : Object.keys(rows[0] || {});
    const cells = (row) => Array.isArray(row) ? row : columns.map((c) => row[c]);
    return ui.el("table", {}, ui.el("thead", {}, ui.el("tr", {}, columns.map((c) => ui.el("th", {scope: "col"}, c)))),
      ui.el("tbody", {}, rows.map((row) => ui.el("tr", {}, cells(row).map((v) => ui.el("td", {}, v ?? ""))))));
  }

  function drawResult(task, spec) {
    const box = $("result");
    if (task.status === "failed") {
      box.replaceChildren(ui.el("p", {class: "bad"}, ui.el("strong", {}, task.code), " ", task.error));
    } else if (task.status !== "completed") {
      box.replaceChildren(ui.el("p", {class: "muted"}, task.status === "guardrail"
        ? "Waiting for a person's answer: " + task.data.value : "Not finished yet."));
    } else if (Array.isArray(task.data.output) && spec === "structured_csv") {
      box.replaceChildren(table(task.data.output));
    } else if (task.data.output !== undefined) {
      box.replaceChildren(ui.el("pre", {class: "mono", "data-format": "json"}, JSON.stringify(task.data.output, null, 2)));
    } else {
      box.replaceChildren(ui.el("pre", {}, task.data.message || ""));
    }
    const usage = task.usage || {};
    $("usage").replaceChildren(...[["Cost", ui.money(usage.cost || 0)], ["Input tokens", usage.inputTokens],
      ["Output tokens", usage.outputTokens], ["Compute time", (usage.computeTime || 0) + " s"],
      ["Finished", ui.time(task.completedAt)]].map(([k, v]) => ui.el("tr", {}, ui.el("th", {scope: "row"}, k), ui.el("td", {}, v ?? ""))));
    const files = (task.data && task.data.files) || [];
    $("files").replaceChildren(...(files.length ? files.map((f) => ui.el("li", {}, f.downloadUrl
      ? ui.el("a", {href: f.downloadUrl, download: f.name || ""}, f.name || f.fileId) : (f.name || f.source) + " (not kept)"))
      : [ui.el("li", {class: "muted"}, "None")]));
    const urls = ((task.data && task.data.network) || []).flatMap((n) => n.urls.map((u) => u.url));
    $("urls").replaceChildren(...(urls.length ? urls.map((u) => ui.el("li", {}, u)) : [ui.el("li", {class: "muted"}, "None")]));
  }

  // --- replay ----------------------------------------------------------------------------
  function shot(step) {
    if (!step || !step.screenshotUrl) return Promise.resolve(null);
    if (!shots.has(step.number)) {
      shots.set(step.number, fetch(step.screenshotUrl, {headers: {Authorization: "Bearer " + ui.key()}})
        .then((r) => r.ok ? r.blob() : null).then((b) => b && URL.createObjectURL(b)).catch(() => null));
    }
    return shots.get(step.number);
  }

  function point(step) {  // a clicked point in viewport pixels, when the action names one
    for (const action of step.actions) {
      if (typeof action.x === "number" && typeof action.y === "number") return [action.x, action.y];
    }
    return null;
  }

  async function show(index) {
    if (!steps.length) return;
    current = Math.max(0, Math.min(steps.length - 1, index));
    const step = steps[current];
    for (const button of $("stepsNav").querySelectorAll("button")) {
      button.toggleAttribute("aria-current", Number(button.dataset.index) === current);
      if (Number(button.dataset.index) === current) button.setAttribute("aria-current", "step");
    }
    $("position").textContent = `Step ${step.number} of ${steps.length}`;
    $("prev").disabled = current === 0;
    $("next").disabled = current === steps.length - 1;
    $("step").replaceChildren(ui.el("div", {},
      ui.el("p", {class: "mono"}, step.url), ui.el("h3", {}, step.title || ""),
      ui.el("p", {}, ui.el("strong", {}, "Reasoning: "), step.thinking || "–"),
      ui.el("p", {}, ui.el("strong", {}, "Next goal: "), step.nextGoal || "–"),
      ui.el("strong", {}, "Actions"),
      ui.el("ol", {}, step.actions.map((a, i) => ui.el("li", {}, ui.el("code", {}, JSON.stringify(a)),
        step.results[i] ? ui.el("div", {class: "muted"}, "→ " + step.results[i]) : null))),
      step.error ? ui.el("p", {class: "bad"}, step.error) : null,
      ui.el("p", {class: "hint"}, `${step.inputTokens} input / ${step.outputTokens} output tokens`)));
    $("shot").dataset.step = String(step.number);
    const image = $("shotImg"), mark = $("mark");
    image.alt = `Screenshot of step ${step.number}: ${step.title || step.url}`;
    const src = await shot(step);
    if (steps[current] !== step) return;  // moved on meanwhile
    mark.hidden = true;
    if (src) {
      image.src = src;
      await image.decode().catch(() => {});
      const at = point(step);
      if (at && image.naturalWidth) {
        mark.style.left = (100 * at[0] / image.naturalWidth) + "%";
        mark.style.top = (100 * at[1] / image.naturalHeight) + "%";
        mark.hidden = false;
      }
    } else {
      image.removeAttribute("src");
    }
    shot(steps[current + 1]);  // the neighbours load while this one is looked at
    shot(steps[current - 1]);
  }

  function drawSteps() {
    $("stepsNav").replaceChildren(...steps.map((s, i) => ui.el("li", {}, ui.el("button", {type: "button", "data-index": i,
      onclick: () => show(i)}, `${s.number}. ${(s.nextGoal || s.title || "step").slice(0, 40)}`))));
  }

  document.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select") || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowRight") { event.preventDefault(); show(current + 1); }
    if (event.key === "ArrowLeft") { event.preventDefault(); show(current - 1); }
  });
  $("prev").addEventListener("click", () => show(current - 1));
  $("next").addEventListener("click", () => show(current + 1));

  // --- loading -----------------------------------------------------------------------------
  async function load() {
    if (!sessionId || !taskId) throw new Error("the address names no task.");
    const [task, trace, session] = await Promise.all([
      ui.api(`/task/${sessionId}/${taskId}`, {auth: false}),
      ui.api(`/task/${sessionId}/${taskId}/steps`),
      ui.api(`/sessions/${sessionId}`).catch(() => null)]);
    const mine = session && session.tasks.find((t) => t.taskId === taskId);
    $("details").textContent = mine ? mine.taskDetails : "";
    $("status").replaceChildren(ui.badge(task.status));
    drawResult(task, mine && mine.outputType);
    const grew = trace.steps.length !== steps.length;
    steps = trace.steps;
    if (grew) { drawSteps(); await show(current); }
    return task.status === "completed" || task.status === "failed";
  }

  try {
    const finished = await load();
    if (!finished) {
      const timer = setInterval(async () => { if (await load().catch(() => true)) clearInterval(timer); }, POLL_MS);
    }
  } catch (error) {
    ui.say($("loadError"), "Could not load the task: " + error.message);
  }
  await signedIn;
  ui.ready();
})();
