// The interactive elements of a page by the issue's own list, decided without either serializer:
// links, buttons, inputs of all kinds, selects, textareas, summaries, contenteditable roots,
// elements with an ARIA widget role, a tabindex, an onclick attribute or property, or a click-like
// listener added by script (recorded by openwebrun's listeners.js init script, which wraps
// addEventListener), or a pointer cursor of their own (not inherited: the sign of a handler bound
// by delegation on an ancestor). Kept only when a user could act on it: visible (opacity and visibility too),
// at least 1x1 px, not clipped away by an overflow:hidden|clip ancestor, not inert, not under
// something else (tested where it is in the viewport), within openwebrun's band (2 viewport heights
// above and below). A <label> counts instead of its control when the control itself is not visible.
// Nested elements with nearly the same box (a link in a list item with role=menuitem, a span with
// a listener filling its button) are one target; a container that is one only by a handler, cursor
// or tabindex and holds other targets is not a target of its own (its clicks go to them).
// args: {ours: [bench ids openwebrun numbers], theirs: [bench ids browser-use numbers]}; reach: bench/reach.js.
// Returns {targets, ours, theirs, missed_ours: [[tag, text]], missed_theirs: [[tag, text]]}.
(args, reach) => {
  const vh = innerHeight, BAND = 2;
  const listeners = window[Symbol.for("openwebrun.listeners")];
  const ROLES = new Set(["button", "link", "checkbox", "radio", "switch", "tab", "menuitem", "menuitemcheckbox",
    "menuitemradio", "option", "combobox", "textbox", "searchbox", "slider", "spinbutton", "treeitem", "listbox"]);
  const mark = (el) => el.getAttribute("data-bench-id");

  const visible = (el, r) => reach(el, r) === "";
  const native = (el) => {
    const tag = el.tagName;
    if (tag === "INPUT") return el.type !== "hidden";
    if (tag === "A" || tag === "AREA") return el.hasAttribute("href");
    return ["BUTTON", "SELECT", "TEXTAREA", "SUMMARY"].includes(tag) ||
      (el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable));
  };
  const handler = (el) => el.hasAttribute("onclick") || typeof el.onclick === "function" ||
    (listeners ? listeners.has(el) : false);
  const ownPointer = (el) => getComputedStyle(el).cursor === "pointer" &&
    !(el.parentElement && getComputedStyle(el.parentElement).cursor === "pointer");
  const candidate = (el) => {
    if (el.closest("select, [inert]")  && el.tagName !== "SELECT") return false;  // options belong to their select
    if (el.tagName === "LABEL" && el.control) {
      const c = el.control, cr = c.getBoundingClientRect();
      return !visible(c, cr) || handler(el);
    }
    const role = (el.getAttribute("role") || "").trim().split(/\s+/)[0];
    const tabindex = el.getAttribute("tabindex");
    return native(el) || ROLES.has(role) || handler(el) || ownPointer(el) || (tabindex !== null && Number(tabindex) >= 0 && el !== document.body);
  };

  const found = [];
  for (const el of document.body ? document.body.querySelectorAll("*") : []) {
    if (el.closest("[inert]") || !candidate(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.bottom < -BAND * vh || r.top > vh + BAND * vh || !visible(el, r)) continue;
    found.push([el, r]);
  }
  // one target per chain of nested elements whose boxes nearly coincide
  const area = (r) => r.width * r.height;
  const up = new Map();  // element -> nearest found ancestor with nearly its box
  for (const [el, r] of found) {
    let best = null;
    for (const [other, o] of found) {
      if (other !== el && other.contains(el) && area(r) >= 0.8 * area(o) && (!best || best.contains(other))) best = other;
    }
    if (best) up.set(el, best);
  }
  const group = new Map();
  for (const [el] of found) {
    let root = el;
    while (up.has(root)) root = up.get(root);
    if (!group.has(root)) group.set(root, []);
    group.get(root).push(el);
  }
  // a container that is one only by a handler, a cursor or a tabindex and holds other targets hands
  // its clicks to them (a tab list, a widget box, a dialog): not a target of its own
  for (const root of [...group.keys()]) {
    if (native(root) || ROLES.has((root.getAttribute("role") || "").trim().split(/\s+/)[0])) continue;
    if ([...group.keys()].some((other) => other !== root && root.contains(other))) group.delete(root);
  }
  const ours = new Set(args.ours), theirs = new Set(args.theirs);
  const describe = (el) => [el.tagName.toLowerCase(),
    (el.innerText || el.getAttribute("aria-label") || el.value || el.getAttribute("title") || "").trim().replace(/\s+/g, " ").slice(0, 40)];
  const out = { targets: group.size, ours: 0, theirs: 0, missed_ours: [], missed_theirs: [] };
  for (const [root, members] of group) {
    const ids = members.map(mark);
    const a = ids.some((i) => ours.has(i)), b = ids.some((i) => theirs.has(i));
    out.ours += a; out.theirs += b;
    if (!a) out.missed_ours.push(describe(root));
    if (!b) out.missed_theirs.push(describe(root));
  }
  return out;
}
