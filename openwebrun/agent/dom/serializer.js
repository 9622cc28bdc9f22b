// Page-state capture for one frame, run as a single evaluate.
// Returns {lines, title, scroll}; each line is {d: depth, i: local element number (0 = text),
// t: text, f: iframe slot (-1 = none)}. Numbered elements are kept in window.__owr.els so that
// actions can find them again; window.__owr.v tells which capture they belong to.
(args) => {
  const { version, textBand, elementBand, maxText, maxElements, maxLines } = args;
  const vh = window.innerHeight || 1;
  const state = { v: version, els: [null], frames: [] };
  Object.defineProperty(window, "__owr", { value: state, configurable: true, writable: true, enumerable: false });

  const ROLES = new Set(["button", "link", "checkbox", "radio", "tab", "menuitem", "menuitemcheckbox",
    "menuitemradio", "option", "switch", "combobox", "textbox", "searchbox", "slider", "spinbutton",
    "treeitem", "gridcell"]);
  const CONTROL_TAGS = new Set(["INPUT", "SELECT", "TEXTAREA", "BUTTON"]);
  const SKIP_TAGS = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "META", "LINK", "SVG", "svg"]);
  const CONTAINERS = new Set(["FORM", "FIELDSET", "UL", "OL", "TABLE", "DIALOG", "NAV", "MENU"]);
  const CONTAINER_ROLES = new Set(["dialog", "menu", "listbox", "tablist", "radiogroup", "group", "tree", "grid"]);
  const MAX_DEPTH = 4;
  const lines = [];
  let count = 0;
  let truncated = false;
  let pending = [];   // text pieces of the current block
  let pendingDepth = 0;
  let pendingShown = false;

  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const cut = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
  const quote = (s, n) => JSON.stringify(cut(clean(s), n));

  function inBand(rect, band) {
    return rect.bottom >= -band * vh && rect.top <= vh + band * vh;
  }

  function flush() {
    if (pending.length && pendingShown && lines.length < maxLines) {
      const text = cut(clean(pending.join(" ")), maxText);
      const prev = lines.length ? lines[lines.length - 1] : null;
      if (text && !(prev && prev.i === 0 && prev.t === text)) lines.push({ d: pendingDepth, i: 0, t: text, f: -1 });
    }
    pending = [];
    pendingShown = false;
  }

  function labelText(el) {
    const by = el.getAttribute("aria-labelledby");
    if (by) {
      const root = el.getRootNode();
      const t = by.split(/\s+/).map((id) => (root.getElementById ? root.getElementById(id) : document.getElementById(id)))
        .filter(Boolean).map((n) => n.innerText || n.textContent).join(" ");
      if (clean(t)) return clean(t);
    }
    const aria = el.getAttribute("aria-label");
    if (clean(aria)) return clean(aria);
    if (el.labels && el.labels.length) {
      const t = Array.from(el.labels).map((l) => l.innerText || l.textContent).join(" ");
      if (clean(t)) return clean(t);
    }
    return "";
  }

  function ownText(el) {
    let t = clean(el.innerText || el.textContent);
    if (!t) {
      const img = el.querySelector && el.querySelector("img[alt]");
      if (img) t = clean(img.getAttribute("alt"));
    }
    return t || clean(el.getAttribute("title"));
  }

  function shortHref(a) {
    const raw = a.getAttribute("href") || "";
    if (raw.startsWith("javascript:")) return "";
    try {
      const u = new URL(a.href, location.href);
      const s = u.origin === location.origin ? u.pathname + u.search + u.hash : u.host + u.pathname + u.search;
      return cut(s, 70);
    } catch (e) {
      return cut(raw, 70);
    }
  }

  function roleOf(el) {
    return (el.getAttribute("role") || "").trim().split(/\s+/)[0].toLowerCase();
  }

  function isInteractive(el, style, insideClickable) {
    const tag = el.tagName;
    if (tag === "INPUT") return el.type !== "hidden";
    if (CONTROL_TAGS.has(tag)) return true;
    if (tag === "A" && el.hasAttribute("href")) return true;
    if (tag === "SUMMARY") return true;
    if (tag === "LABEL" && el.control && !visibleControl(el.control)) return true;
    if (el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable)) return true;
    if (ROLES.has(roleOf(el))) return true;
    if (insideClickable) return false;
    if (el.hasAttribute("onclick") || typeof el.onclick === "function") return true;
    const tab = el.getAttribute("tabindex");
    if (tab !== null && parseInt(tab, 10) >= 0 && tag !== "BODY" && tag !== "HTML") return true;
    if (style.cursor === "pointer") {
      const parent = el.parentElement;
      return !(parent && getComputedStyle(parent).cursor === "pointer");
    }
    return false;
  }

  function visibleControl(c) {
    if (!c.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) return false;
    const r = c.getBoundingClientRect();
    return r.width > 1 && r.height > 1;
  }

  function flags(el) {
    const out = [];
    if (el.disabled || el.getAttribute("aria-disabled") === "true") out.push("disabled");
    if (el.readOnly) out.push("readonly");
    if (el.required) out.push("required");
    const exp = el.getAttribute("aria-expanded");
    if (exp) out.push(exp === "true" ? "expanded" : "collapsed");
    if (el.getAttribute("aria-selected") === "true") out.push("selected");
    if (el.getAttribute("aria-pressed") === "true") out.push("pressed");
    const checked = el.getAttribute("aria-checked");
    if (checked && !(el.tagName === "INPUT")) out.push(checked === "true" ? "checked" : checked === "mixed" ? "mixed" : "unchecked");
    return out;
  }

  function describe(el) {
    const tag = el.tagName;
    const role = roleOf(el);
    const name = labelText(el);
    const parts = [];
    if (tag === "INPUT") {
      const type = (el.type || "text").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        parts.push(type, quote(name || el.value, 80));
        if (el.name) parts.push(`name=${cut(el.name, 30)}`);
        parts.push(el.checked ? "checked" : "unchecked");
      } else if (type === "submit" || type === "button" || type === "reset" || type === "image") {
        parts.push("button", quote(name || el.value || el.alt || type, 80));
      } else if (type === "file") {
        parts.push("file input", quote(name || el.name, 60));
        const names = Array.from(el.files || []).map((f) => f.name).join(", ");
        parts.push(names ? `files=${quote(names, 80)}` : "no file chosen");
        if (el.accept) parts.push(`accept=${cut(el.accept, 40)}`);
      } else {
        parts.push(`input type=${type}`);
        if (name) parts.push(quote(name, 80));
        else if (el.name) parts.push(`name=${cut(el.name, 30)}`);
        if (el.placeholder) parts.push(`placeholder=${quote(el.placeholder, 60)}`);
        if (type === "password") parts.push(el.value ? "value=•••" : 'value=""');
        else if (el.value) parts.push(`value=${quote(el.value, 80)}`);
      }
    } else if (tag === "TEXTAREA") {
      parts.push("textarea");
      if (name) parts.push(quote(name, 80));
      if (el.placeholder) parts.push(`placeholder=${quote(el.placeholder, 60)}`);
      if (el.value) parts.push(`value=${quote(el.value, 120)}`);
    } else if (tag === "SELECT") {
      parts.push(el.multiple ? "select multiple" : "select");
      if (name) parts.push(quote(name, 80));
      const opts = Array.from(el.options);
      const chosen = opts.filter((o) => o.selected).map((o) => clean(o.label || o.text));
      parts.push(`selected=${quote(chosen.join(", "), 60)}`);
      const shown = opts.slice(0, 25).map((o) => cut(clean(o.label || o.text), 40));
      parts.push(`options: ${shown.join(" | ")}${opts.length > 25 ? ` | … (${opts.length} in all)` : ""}`);
    } else if (tag === "A" && !role) {
      parts.push("link", quote(name || ownText(el), 100));
      const href = shortHref(el);
      if (href) parts.push(`→ ${href}`);
    } else if (tag === "BUTTON" && !role) {
      parts.push("button", quote(name || ownText(el), 100));
    } else if (tag === "LABEL") {
      parts.push("label", quote(ownText(el), 80));
      if (el.control) parts.push(`for hidden ${el.control.type === "file" ? "file input" : el.control.tagName.toLowerCase()}`);
    } else if (el.isContentEditable && !role) {
      parts.push("editable");
      if (name) parts.push(quote(name, 60));
      parts.push(`text=${quote(el.innerText, 120)}`);
    } else {
      const kind = role || (tag === "SUMMARY" ? "summary" : "clickable");
      parts.push(kind, quote(name || ownText(el), 100));
      if (el.isContentEditable) parts.push("editable");
    }
    return parts.concat(flags(el)).join(" ");
  }

  function depthOf(el, depth) {
    const role = roleOf(el);
    return (CONTAINERS.has(el.tagName) || CONTAINER_ROLES.has(role) || el.shadowRoot) ? Math.min(depth + 1, MAX_DEPTH) : depth;
  }

  function walkChildren(parent, depth, insideClickable) {
    const kids = parent.tagName === "SLOT" ? parent.assignedNodes({ flatten: true }) : parent.childNodes;
    for (const node of kids) walk(node, depth, insideClickable);
  }

  function walk(node, depth, insideClickable) {
    if (lines.length >= maxLines) { truncated = true; return; }
    if (node.nodeType === Node.TEXT_NODE) {
      if (insideClickable) return;
      const t = node.textContent;
      if (t && t.trim()) {
        const parent = node.parentElement;
        if (parent && !pendingShown) {
          const r = parent.getBoundingClientRect();
          pendingShown = inBand(r, textBand);
        }
        if (!pending.length) pendingDepth = depth;
        pending.push(t);
      }
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const el = node;
    if (SKIP_TAGS.has(el.tagName)) return;
    if (el.getAttribute("aria-hidden") === "true" || el.hasAttribute("inert")) return;
    if (!el.checkVisibility()) return;  // display:none (and content-visibility) hides the whole subtree
    const style = getComputedStyle(el);
    if (style.overflow !== "visible" && style.display !== "contents") {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) return;  // zero-size box that clips its content
    }
    if (style.position === "static" || style.position === "relative") {
      // far outside the band: skip the subtree (positioned overlays usually hang off <body> or a
      // positioned ancestor near them, so their containers are in the band)
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && !inBand(r, Math.max(elementBand, textBand)) && el !== document.body) {
        flush();
        return;
      }
    }
    const block = !style.display.startsWith("inline");
    if (block) flush();

    if (el.tagName === "IFRAME" || el.tagName === "FRAME") {
      const r = el.getBoundingClientRect();
      if (r.width > 1 && r.height > 1 && style.visibility !== "hidden" && inBand(r, elementBand)) {
        flush();
        state.frames.push(el);
        lines.push({ d: depth, i: 0, t: "", f: state.frames.length - 1 });
      }
      return;
    }

    const shown = style.visibility !== "hidden" && parseFloat(style.opacity) > 0;
    let numbered = false;
    if (shown && isInteractive(el, style, insideClickable)) {
      const r = el.getBoundingClientRect();
      if (r.width > 0 && r.height > 0 && inBand(r, elementBand)) {
        if (count < maxElements) {
          flush();
          count += 1;
          state.els.push(el);
          lines.push({ d: depth, i: count, t: describe(el), f: -1 });
          numbered = true;
        } else {
          truncated = true;
        }
      }
    }
    if (/^H[1-6]$/.test(el.tagName) && !numbered && !el.querySelector("a[href],button,input,select,[role],[onclick]")) {
      flush();
      const t = cut(clean(el.innerText), maxText);
      if (t && !insideClickable && inBand(el.getBoundingClientRect(), textBand)) {
        lines.push({ d: depth, i: 0, t: "#".repeat(+el.tagName[1]) + " " + t, f: -1 });
      }
      return;
    }
    const tag = el.tagName;
    if (tag === "SELECT" || tag === "TEXTAREA" || (numbered && el.isContentEditable)) return;
    const childDepth = depthOf(el, depth);
    // a label's text already names its (numbered) control
    const inside = insideClickable || numbered || (tag === "LABEL" && !!el.control);
    if (el.shadowRoot) walkChildren(el.shadowRoot, childDepth, inside);
    else walkChildren(el, childDepth, inside);
    if (block) flush();
  }

  if (document.body) walk(document.body, 0, false);
  flush();
  const se = document.scrollingElement || document.documentElement;
  return {
    lines, truncated, count,
    title: document.title,
    scroll: { y: Math.round(window.scrollY), height: Math.round(se ? se.scrollHeight : 0), viewport: vh },
  };
}
