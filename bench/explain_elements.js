// Why browser-use numbers an element openwebrun does not: one reason per element, read in
// openwebrun's copy of the page (elements marked with data-bench-id by both sides).
// args: {ours: [bench ids openwebrun numbers], theirs: [[bench id, signals]]}; signals come from
// bench/peers/browser_use_state.py (click listener, accessibility role, cursor, size, attributes).
(args) => {
  const ours = new Set(args.ours);
  const mark = (el) => el && el.getAttribute && el.getAttribute("data-bench-id");
  const numberedAbove = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) if (ours.has(mark(p))) return p;
    return null;
  };
  const numberedBelow = (el) => [...el.querySelectorAll("[data-bench-id]")].some((d) => ours.has(mark(d)));
  const ownPointer = (el) => getComputedStyle(el).cursor === "pointer" &&
    !(el.parentElement && getComputedStyle(el.parentElement).cursor === "pointer");
  const clipped = (el, r) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const s = getComputedStyle(p);
      // only a box that cannot be scrolled (on that axis) hides what lies outside it
      const c = p.getBoundingClientRect();
      if ((/hidden|clip/.test(s.overflowX) && (r.right <= c.left || r.left >= c.right)) ||
          (/hidden|clip/.test(s.overflowY) && (r.bottom <= c.top || r.top >= c.bottom))) return true;
    }
    return false;
  };
  // on screen but under something else (a covered or off-canvas element): only testable in the viewport
  const covered = (el, r) => {
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return false;
    const hit = document.elementFromPoint(x, y);
    return !!hit && hit !== el && !el.contains(hit) && !hit.contains(el);
  };

  function reason(el, sig) {
    if (!el) return "gone";
    const r = el.getBoundingClientRect();
    if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) || r.width < 1 || r.height < 1 ||
        clipped(el, r)) return "hidden";
    const tag = el.tagName;
    const own = sig.listener || el.hasAttribute("onclick") || el.hasAttribute("tabindex");
    const above = numberedAbove(el);
    if (above) return own ? "listener inside a numbered element" : "inside a numbered element";
    if (tag === "LABEL" && el.control && ours.has(mark(el.control))) return "label of a numbered field";
    if (numberedBelow(el)) return own ? "wrapper with listener" : "wrapper of a numbered element";
    if (covered(el, r)) return "covered";
    if (own || ownPointer(el) || ["button", "link", "checkbox", "radio", "textbox", "combobox", "menuitem",
        "option", "tab", "slider", "spinbutton", "searchbox"].includes(sig.ax)) return "missed";
    if (["cell", "gridcell", "row", "columnheader", "rowheader"].includes(sig.ax) || /^(TD|TH|TR)$/.test(tag)) {
      return "table cell or row";
    }
    if (sig.cursor === "pointer") return "inherited pointer cursor";
    if (sig.w >= 10 && sig.w <= 50 && sig.h >= 10 && sig.h <= 50 && sig.attrs.length) return "icon-sized with class";
    return "other heuristic";
  }

  const out = {};
  for (const [id, sig] of args.theirs) {
    const el = document.querySelector(`[data-bench-id="${id}"]`);
    const why = reason(el, sig);
    const text = el ? (el.innerText || el.getAttribute("aria-label") || el.getAttribute("alt") || "").trim() : "";
    out[id] = [why, el ? el.tagName.toLowerCase() : "?", text.replace(/\s+/g, " ").slice(0, 40)];
  }
  return out;
}
