// The live view player: WebRTC through WHEP first, JPEG frames over the page's WebSocket when
// WebRTC does not play within config.fallbackMs (or with ?transport=jpeg). After "Take over",
// clicks, double clicks and keys on the picture are sent as the API's interaction messages.
(() => {
  "use strict";
  const config = JSON.parse(document.getElementById("config").textContent);
  const base = location.pathname.replace(/\/+$/, "");
  const wanted = new URLSearchParams(location.search).get("transport");  // webrtc | jpeg | null
  const $ = (id) => document.getElementById(id);
  const stage = $("stage"), video = $("video"), canvas = $("canvas"), surface = $("surface");
  const ctx = canvas.getContext("2d");
  const LABELS = {idle: "Idle", running: "Agent in control", paused: "Paused", taken_over: "You are in control",
                  waiting_human: "The agent asks a person", ended: "Session ended"};
  const DOUBLE_CLICK_MS = 250;  // a click waits this long for a second one, to send one DOUBLE_CLICK
  const MAX_STEPS = 50;

  // What the page shows, readable by scripts that embed or test it.
  const view = window.liveView = {transport: null, frames: 0, state: "connecting", ended: false, acks: 0, errors: []};

  // --- the socket: events in, interaction out, and the JPEG frames when asked -------------------
  const socket = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + base + "/ws");
  socket.binaryType = "arraybuffer";
  let nextId = 1;
  const pending = new Map();
  socket.onmessage = (event) => {
    if (typeof event.data !== "string") { onPart(event.data); return; }
    const message = JSON.parse(event.data);
    if (message.type === "ack") {
      view.acks += 1;
      if (!message.ok) { view.errors.push(message); notice(message.error); }
      const done = pending.get(message.id); pending.delete(message.id); if (done) done(message);
      return;
    }
    onEvent(message);
  };
  socket.onclose = () => { if (!view.ended) setState("ended", "Disconnected from the server."); };
  const opened = new Promise((resolve) => socket.addEventListener("open", resolve, {once: true}));

  async function send(action) {
    await opened;
    const id = nextId++;
    const answer = new Promise((resolve) => pending.set(id, resolve));
    socket.send(JSON.stringify({type: "message", id, message: {actionType: "interaction", action}}));
    return answer;
  }

  function onEvent(m) {
    if (m.type === "hello") { setState(m.state); return; }
    if (m.type === "end_session") { end(); return; }
    if (m.type === "guardrail_trigger") { setState("waiting_human"); addStep("question", m.data.value); return; }
    if (m.type === "agent") { addStep("step " + m.data.step, m.data.nextGoal || m.data.thinking); return; }
    if (m.type === "action") { addStep("action", m.data.name + (m.data.target ? " → " + m.data.target : "")); return; }
    if (m.type === "task_completed") { setState("idle"); addStep("done", "Task completed."); return; }
    if (m.type === "error") { setState("idle"); addStep("failed", m.error || "Task failed."); return; }
    if (m.type === "response_update") {
      const s = m.data.state;
      const next = {running: "running", paused: "paused", resumed: "running", taken_over: "taken_over",
                    answered: "running"}[s];
      if (s === "released") setState(view.taskRunning ? "running" : "idle");
      else if (next) setState(next);
      if (s === "running") view.taskRunning = true;
    }
  }

  function setState(state, message) {
    view.state = state;
    if (state === "running") view.taskRunning = true;
    if (state === "idle") view.taskRunning = false;
    $("state").textContent = LABELS[state] || state;
    const human = state === "taken_over";
    surface.classList.toggle("human", human);
    $("takeover").hidden = human || state === "ended";
    $("release").hidden = !human;
    if (message) notice(message);
  }

  function notice(text) { $("notice").textContent = text || ""; }

  function addStep(kind, text) {
    const item = document.createElement("li");
    const label = document.createElement("span");
    label.className = "kind"; label.textContent = kind;
    item.append(label, document.createTextNode(text || ""));
    const list = $("steps");
    list.prepend(item);
    while (list.children.length > MAX_STEPS) list.lastChild.remove();
  }

  function end() {
    view.ended = true;
    setState("ended", "The session has ended.");
    stopWebRTC();
    socket.close();
  }

  // --- WebRTC through WHEP ------------------------------------------------------------------
  let pc = null, resource = null, fallbackTimer = null;

  async function startWebRTC() {
    view.transport = "webrtc";
    pc = new RTCPeerConnection({iceServers: config.iceServers || []});
    pc.addTransceiver("video", {direction: "recvonly"});
    pc.addTransceiver("audio", {direction: "recvonly"});
    pc.ontrack = (event) => {
      if (event.track.kind !== "video") return;
      video.srcObject = new MediaStream([event.track]);
      video.play().catch(() => {});
    };
    pc.onconnectionstatechange = () => {
      if (pc && pc.connectionState === "failed" && wanted !== "webrtc") startJpeg("WebRTC failed: showing JPEG frames.");
    };
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc, 2000);
    const answer = await fetch(base + "/whep", {method: "POST", headers: {"Content-Type": "application/sdp"},
                                                body: pc.localDescription.sdp});
    if (answer.status !== 201) throw new Error("WHEP answered " + answer.status);
    resource = (answer.headers.get("Location") || "").split("/").pop();
    await pc.setRemoteDescription({type: "answer", sdp: await answer.text()});
  }

  function gathered(connection, ms) {
    if (connection.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      connection.addEventListener("icegatheringstatechange", () => {
        if (connection.iceGatheringState === "complete") { clearTimeout(timer); resolve(); }
      });
    });
  }

  function stopWebRTC() {
    clearTimeout(fallbackTimer);
    if (pc) { pc.close(); pc = null; }
    if (resource) { fetch(base + "/whep/" + resource, {method: "DELETE", keepalive: true}).catch(() => {}); resource = null; }
  }

  function countVideoFrames() {
    if (!("requestVideoFrameCallback" in video)) return;
    const tick = () => { if (view.transport === "webrtc") { view.frames += 1; video.requestVideoFrameCallback(tick); } };
    video.requestVideoFrameCallback(tick);
  }

  // --- JPEG frames over the socket --------------------------------------------------------------
  // Asked for in parts: each binary message is one byte saying which part (0: the bar, drawn at the
  // top; 1: the page, drawn below it) and that part's JPEG. The bar comes when it changes.
  const BAR_PART = 0;
  let drawing = false;
  const waiting = new Map();  // part -> its newest JPEG not drawn yet (older ones are skipped)

  async function startJpeg(reason) {
    if (view.transport === "jpeg" || view.ended) return;
    stopWebRTC();
    view.transport = "jpeg";
    stage.classList.add("jpeg");
    if (reason) notice(reason);
    await opened;
    socket.send(JSON.stringify({type: "frames", parts: true}));
  }

  function onPart(buffer) {
    const part = new Uint8Array(buffer, 0, 1)[0];
    waiting.set(part, new Blob([new Uint8Array(buffer, 1)], {type: "image/jpeg"}));
    if (!drawing) drawParts();
  }

  async function drawParts() {
    drawing = true;
    while (waiting.size) {
      const [part, blob] = waiting.entries().next().value;
      waiting.delete(part);
      try {
        const bitmap = await createImageBitmap(blob);
        if (part === BAR_PART) {
          ctx.drawImage(bitmap, 0, 0, canvas.width, config.bar);
        } else {
          ctx.drawImage(bitmap, 0, config.bar, canvas.width, canvas.height - config.bar);
          view.frames += 1;
        }
        bitmap.close();
      } catch (error) {
        view.errors.push(String(error));
      }
    }
    drawing = false;
  }

  // --- takeover: the picture's pixels are stream pixels ----------------------------------------
  function streamPoint(event) {
    const box = surface.getBoundingClientRect();
    return {x: Math.round((event.clientX - box.left) * config.width / box.width),
            y: Math.round((event.clientY - box.top) * config.height / box.height)};
  }

  let clickTimer = null, clickSend = null;
  function flushClick() {  // a pending click goes before anything typed after it
    if (clickTimer === null) return;
    clearTimeout(clickTimer); clickTimer = null; clickSend();
  }
  surface.addEventListener("click", (event) => {
    if (view.state !== "taken_over") { notice("Take over first to use the page."); return; }
    surface.focus();
    const point = streamPoint(event);
    if (point.y < config.bar) { notice("That is the browser bar: click inside the page."); return; }
    if (event.detail > 1) return;  // the second click of a double click: sent as DOUBLE_CLICK
    clickSend = () => send({type: "CLICK", ...point});
    clickTimer = setTimeout(() => { clickTimer = null; clickSend(); }, DOUBLE_CLICK_MS);
  });
  surface.addEventListener("dblclick", (event) => {
    if (view.state !== "taken_over") return;
    const point = streamPoint(event);
    if (point.y < config.bar) return;
    clearTimeout(clickTimer); clickTimer = null;
    send({type: "DOUBLE_CLICK", ...point});
  });

  const NAMED = new Set(["Enter", "Escape", "Tab", "Backspace", "Delete", "ArrowUp", "ArrowDown", "ArrowLeft",
                         "ArrowRight", "PageUp", "PageDown", "Home", "End", "Insert",
                         "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10", "F11", "F12"]);
  surface.addEventListener("keydown", (event) => {
    if (view.state !== "taken_over") return;
    const modifiers = [event.ctrlKey && "Control", event.altKey && "Alt", event.metaKey && "Meta"].filter(Boolean);
    if (["Control", "Shift", "Alt", "Meta"].includes(event.key)) return;
    event.preventDefault();
    flushClick();
    if (event.key.length === 1 && modifiers.length === 0) { send({type: "TYPE", text: event.key}); return; }
    if (event.key.length === 1 || NAMED.has(event.key)) {
      if (event.shiftKey && event.key.length !== 1) modifiers.push("Shift");
      const key = event.key === " " ? "Space" : event.key;
      send({type: "KEY_PRESS", key: [...modifiers, key].join("+")});
    }
  });

  $("takeover").addEventListener("click", async () => {
    const answer = await send({type: "takeOverControl"});
    if (answer.ok) { setState("taken_over"); surface.focus(); }
  });
  $("release").addEventListener("click", async () => {
    const answer = await send({type: "releaseControl"});
    if (answer.ok) setState(view.taskRunning ? "running" : "idle");
  });

  // --- start ----------------------------------------------------------------------------------
  window.addEventListener("pagehide", stopWebRTC);
  if (wanted === "jpeg" || !("RTCPeerConnection" in window)) {
    startJpeg();
  } else {
    video.addEventListener("playing", () => clearTimeout(fallbackTimer), {once: true});
    countVideoFrames();
    if (wanted !== "webrtc") {
      fallbackTimer = setTimeout(() => startJpeg("WebRTC did not connect: showing JPEG frames."), config.fallbackMs);
    }
    startWebRTC().catch((error) => {
      view.errors.push(String(error));
      if (wanted !== "webrtc") startJpeg("WebRTC is not available here: showing JPEG frames.");
    });
  }
})();
