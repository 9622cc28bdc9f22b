// A session: the live view player, the agent's steps from the session's socket, control buttons,
// the guardrail answer box and the next-task box. Messages go over the socket (send-message's shapes).
"use strict";
(async () => {
  const $ = (id) => document.getElementById(id);
  const sessionId = ui.idParam("id");
  const REFRESH_MS = 3000;
  let socket = null, ended = false, refreshTimer = null;
  const signedIn = ui.start("sessions");  // the header's account call runs beside the page's own
  $("sid").textContent = ui.short(sessionId);

  function setState(state) { $("state").replaceChildren(state ? ui.badge(state) : ""); }

  function feed(kind, text, link) {
    const item = ui.el("li", {"data-kind": kind}, ui.el("span", {class: "kind"}, kind), text, link ? " " : null, link);
    $("feed").append(item);
    $("feed").scrollTop = $("feed").scrollHeight;
  }

  const taskLink = (taskId, label) => ui.el("a", {href: `task?session=${sessionId}&task=${taskId}`}, label);

  function drawTasks(tasks) {
    $("tasks").replaceChildren(...tasks.map((t) => ui.el("li", {}, taskLink(t.taskId, t.taskDetails.slice(0, 100) || "(task)"),
      " ", ui.badge(t.status))));
  }

  function endView() {
    ended = true;
    clearInterval(refreshTimer);
    $("player").hidden = true;
    $("player").removeAttribute("src");
    $("ended").hidden = false;
    $("ask").hidden = true;
    setState("ended");
    for (const id of ["pause", "resume", "stop", "terminate"]) $(id).disabled = true;
    for (const control of $("next").elements) control.disabled = true;
  }

  async function askedQuestion(taskId) {
    const polled = await ui.api(`/task/${sessionId}/${taskId}`, {auth: false}).catch(() => null);
    if (polled && polled.status === "guardrail") showQuestion(polled.data.value);
  }

  function showQuestion(question) {
    $("question").textContent = question;
    const wasHidden = $("ask").hidden;
    $("ask").hidden = false;
    if (wasHidden) $("answer").focus();
  }

  async function refresh() {
    if (!sessionId) { ui.say($("controlError"), "No such session."); endView(); return null; }
    let body;
    try { body = await ui.api("/sessions/" + sessionId); } catch (error) {
      if (error.code === "SESSION_NOT_FOUND") { ui.say($("controlError"), "No such session."); endView(); }
      return null;
    }
    drawTasks(body.tasks);
    if (!body.session.live) { endView(); return body; }
    setState(body.session.state);
    if (body.session.state !== "waiting_human") $("ask").hidden = true;
    else if ($("ask").hidden && body.session.taskId) await askedQuestion(body.session.taskId);
    return body;
  }

  /** Send one message on the socket; resolves to the ack (the REST answer). */
  function send(message) {
    return new Promise((resolve) => {
      if (!socket || !socket.connected) { resolve({success: false, error: "Not connected to the session."}); return; }
      socket.emit("message", message, resolve);
    });
  }

  async function control(newState, region = $("controlError")) {
    ui.say(region, "");
    const answer = await send({actionType: "state", newState});
    if (answer.success === false) ui.say(region, answer.error);
  }

  function onMessage(m) {
    const data = m.data || {};
    switch (m.type) {
      case "agent":
        feed("step " + data.step, data.thinking || m.content || "", data.nextGoal ? ui.el("em", {}, "Next: " + data.nextGoal) : null);
        break;
      case "action":
        feed("action", data.name + (data.target ? " " + data.target : ""));
        break;
      case "response_update":
        feed(data.state || "update", data.message || "");
        if (data.state === "answered" || data.state === "released") $("ask").hidden = true;
        refresh();
        break;
      case "guardrail_trigger":
        feed("question", data.value || "");
        setState("waiting_human");
        showQuestion(data.value || "");
        break;
      case "task_completed":
        feed("completed", (data.message || "").slice(0, 200), taskLink(m.taskId, "Open the task"));
        $("ask").hidden = true;
        refresh();
        break;
      case "error":
        feed("failed", `${m.code}: ${m.error}`, m.taskId ? taskLink(m.taskId, "Open the task") : null);
        $("ask").hidden = true;
        refresh();
        break;
    }
  }

  function connect(onConnected) {
    socket = io(API_BASE.origin, {path: API_BASE.pathname + "socket.io/", transports: ["websocket"],
      auth: {sessionId, apiKey: ui.key()}});
    socket.on("message", onMessage);
    socket.on("end_session", (e) => { feed("ended", `Session ended (${e.reason}).`); endView(); refresh(); });
    socket.on("connect_error", (error) => {
      ui.say($("controlError"), "Cannot follow the session: " + error.message);
      if (error.message === "Session not found") { socket.disconnect(); endView(); }
      onConnected();
    });
    socket.once("connect", onConnected);
  }

  async function sendPending() {
    const name = "openwebrun.pending." + sessionId;
    const pending = sessionStorage.getItem(name);
    if (!pending) return;
    sessionStorage.removeItem(name);
    const task = JSON.parse(pending);
    feed("sent", "Task sent: " + task.taskDetails);
    const answer = await send(task);
    if (answer.success === false && !answer.taskId) {
      ui.say($("nextError"), "The task was refused: " + answer.error);
      if (task.terminateOnCompletion) await send({actionType: "state", newState: "terminate"});
    }
  }

  // --- controls ------------------------------------------------------------------------
  $("pause").addEventListener("click", () => control("pause"));
  $("resume").addEventListener("click", () => control("resume"));
  $("stop").addEventListener("click", () => control("stop"));
  $("terminate").addEventListener("click", () => {
    if (confirm("End this session? Its running and queued tasks fail.")) control("terminate");
  });
  $("ask").addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await send({actionType: "guardrail", taskDetails: $("answer").value, newState: "resume"});
    if (answer.success === false) { ui.say($("controlError"), answer.error); return; }
    $("answer").value = "";
    $("ask").hidden = true;
  });
  $("refuse").addEventListener("click", async () => {
    const answer = await send({actionType: "guardrail", taskDetails: "", newState: "stop"});
    if (answer.success === false) ui.say($("controlError"), answer.error);
    else $("ask").hidden = true;
  });
  $("next").addEventListener("submit", async (event) => {
    event.preventDefault();
    ui.say($("nextError"), "");
    const text = $("nextTask").value.trim();
    if (!text) { ui.say($("nextError"), "Write the task first."); $("nextTask").focus(); return; }
    const task = {actionType: "newTask", taskDetails: text};
    if ($("nextUrl").value.trim()) task.startingPoint = $("nextUrl").value.trim();
    $("nextTask").value = "";
    feed("sent", "Task sent: " + text);
    const answer = await send(task);
    if (answer.success === false && !answer.taskId) ui.say($("nextError"), answer.error);
  });

  const first = await refresh();
  if (!first || ended) { await signedIn; ui.ready(); return; }
  $("player").src = first.session.streaming.webViewURL;
  $("player").hidden = false;
  connect(async () => {
    await signedIn;
    ui.ready();
    await sendPending();
  });
  refreshTimer = setInterval(refresh, REFRESH_MS);
})();
