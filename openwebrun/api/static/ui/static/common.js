// Shared by every dashboard page: the key in sessionStorage, API calls, the header, small helpers.
"use strict";
const KEY_NAME = "openwebrun.apiKey";
const API_BASE = new URL("../", location.href);  // pages are /ui/<page>; the API is beside /ui (prefix kept)
const NAV = [["sessions", "Sessions"], ["files", "Files"], ["environments", "Environments"],
             ["policies", "Policies"], ["usage", "Usage"]];

const ui = {
  key: () => sessionStorage.getItem(KEY_NAME),
  url: (path) => new URL(path.replace(/^\//, ""), API_BASE).toString(),

  signOut(reason) {
    if (ui.leaving) return;  // the first reason wins (calls that fail after it say less)
    ui.leaving = true;
    sessionStorage.removeItem(KEY_NAME);
    const next = location.pathname.split("/").pop() + location.search;
    location.replace("signin?" + new URLSearchParams({next, ...(reason ? {reason} : {})}));
  },

  /** A call to the public API with the signed-in key; resolves to the JSON body, throws Error(message) with .code. */
  async api(path, {method = "GET", body, form, auth = true} = {}) {
    const headers = {};
    if (auth && !ui.key()) { ui.signOut(); return new Promise(() => {}); }
    if (auth) headers.Authorization = "Bearer " + ui.key();
    let payload;
    if (form) payload = form;
    else if (body !== undefined) { headers["Content-Type"] = "application/json"; payload = JSON.stringify(body); }
    const response = await fetch(ui.url(path), {method, headers, body: payload});
    let data = null;
    try { data = await response.json(); } catch { data = null; }
    if (auth && (response.status === 401 && data && data.code === "UNAUTHORIZED" ||
                 response.status === 403 && data && data.code === "ACCOUNT_DEACTIVATED")) {
      ui.signOut(data.error);
      throw new Error(data.error);
    }
    if (!response.ok || (data && data.success === false && response.status >= 400)) {
      const error = new Error((data && (data.error || data.message)) || `HTTP ${response.status}`);
      error.code = data && data.code;
      throw error;
    }
    return data;
  },

  /** el("a", {href: "x", class: "y"}, "text", child...) */
  el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    }
    return node;
  },

  elapsed(fromIso, toIso) {
    const seconds = Math.max(0, Math.round(((toIso ? Date.parse(toIso) : Date.now()) - Date.parse(fromIso)) / 1000));
    const h = Math.floor(seconds / 3600), m = Math.floor(seconds / 60) % 60, s = seconds % 60;
    return (h ? h + ":" + String(m).padStart(2, "0") : m) + ":" + String(s).padStart(2, "0");
  },
  time: (iso) => iso ? new Date(iso).toLocaleString() : "",
  money: (usd) => usd === null || usd === undefined ? "unlimited" : "$" + Number(usd).toFixed(4),
  bytes(n) {
    for (const unit of ["B", "KB", "MB", "GB"]) { if (n < 1024 || unit === "GB") return `${+n.toFixed(1)} ${unit}`; n /= 1024; }
  },
  badge: (state) => ui.el("span", {class: "badge state-" + state}, state.replace("_", " ")),
  short: (id) => id ? id.slice(0, 8) : "",
  /** An id from the page's address, if it has the server's form (32 hex digits); else "". */
  idParam: (name) => /^[0-9a-f]{32}$/.test(new URLSearchParams(location.search).get(name) || "")
    ? new URLSearchParams(location.search).get(name) : "",

  /** Put `message` in the alert region (role=alert reads it out); empty clears it. */
  say(region, message) { region.textContent = message || ""; },

  /** Whether the signed-in key may manage accounts and keys (scope admin). */
  isAdmin: (account) => Boolean(account && account.scopes && account.scopes.includes("admin")),

  /** Header with the navigation (accounts and keys only for admin keys); the page's heading follows in <main>. */
  header(current, account) {
    const pages = ui.isAdmin(account) ? [...NAV, ["admin", "Accounts and keys"]] : NAV;
    const links = pages.map(([page, label]) => ui.el("li", {}, ui.el("a", {href: page,
      "aria-current": page === current ? "page" : null}, label)));
    const who = ui.el("div", {class: "who"}, account ? `${account.name} · balance ${ui.money(account.balance)}` : "",
      ui.el("button", {type: "button", onclick: () => ui.signOut()}, "Sign out"));
    document.body.prepend(ui.el("a", {class: "skip", href: "#main"}, "Skip to content"),
      ui.el("header", {class: "top"}, ui.el("span", {class: "brand"}, "openwebrun"),
        ui.el("nav", {"aria-label": "Dashboard"}, ui.el("ul", {}, links)), who));
  },

  /** Every page but sign-in: needs a key; draws the header; resolves to the account. */
  async start(current) {
    if (!ui.key()) { ui.signOut(); return new Promise(() => {}); }  // never ready: the page is left
    const account = await ui.api("/account");
    ui.header(current, account);
    return account;
  },

  ready() { performance.mark("ready"); document.body.dataset.ready = "1"; },  // bench/ui.py reads the mark
};
window.ui = ui;
