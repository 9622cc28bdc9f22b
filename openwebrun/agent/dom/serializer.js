// Page-state capture for one frame, run as a single evaluate.
// Returns, as a JSON string, {lines, title, scroll, truncated, cut}; each line is {d: depth, i: local element number
// (0 = text), t: text, f: iframe slot (-1 = none)}. Numbered elements are kept in window.__owr.els
// so that actions can find them again; window.__owr.v tells which capture they belong to.
// `cut` is set when the walk ran out of its time budget (a huge or busy page): the lines so far.
(args) => {
  const { version, textBand, elementBand, maxText, maxElements, maxLines, budgetMs } = args;
  const deadline = performance.now() + budgetMs;
  const vh = window.innerHeight || 1;
  const vw = window.innerWidth || 1;
  // elements that got click-like listeners (marked by listeners.js, installed before page scripts)
  const listened = window[Symbol.for("openwebrun.listeners")] || null;
  const LEAF_AREA = 0.3;  // a listener on a box larger than this share of the viewport is a container's
  const LEAF_DESCENDANTS = 80;
  const LIST_TAGS = new Set(["UL", "OL", "DL", "TABLE", "TBODY", "THEAD", "FORM", "FIELDSET", "NAV", "MENU", "SECTION",
    "ARTICLE", "MAIN", "HEADER", "FOOTER", "ASIDE"]);
  const INNER_CONTROLS = "a[href],button,input,select,textarea,[role=button],[role=link],[role=checkbox]," +
    "[role=tab],[role=menuitem],[role=option],[tabindex],[onclick],[contenteditable]";
  const PLAIN_CONTROLS = "a[href],button,input,select,textarea,[contenteditable]";
  const state = { v: version, els: [null], frames: [] };
  Object.defineProperty(window, "__owr", { value: state, configurable: true, writable: true, enumerable: false });

  const ROLES = new Set(["button", "link", "checkbox", "radio", "tab", "menuitem", "menuitemcheckbox",
    "menuitemradio", "option", "switch", "combobox", "textbox", "searchbox", "slider", "spinbutton",
    "treeitem", "gridcell"]);
  const CONTROL_TAGS = new Set(["INPUT", "SELECT", "TEXTAREA", "BUTTON"]);
  const SKIP_TAGS = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "META", "LINK"]);
  const SVG_SHAPES = 400;  // descendants of one <svg> looked at for clickable shapes
  const CONTAINERS = new Set(["FORM", "FIELDSET", "UL", "OL", "TABLE", "DIALOG", "NAV", "MENU"]);
  const CONTAINER_ROLES = new Set(["dialog", "menu", "listbox", "tablist", "radiogroup", "group", "tree", "grid"]);
  const MAX_DEPTH = 4;
  const lines = [];
  let count = 0;
  let truncated = false;
  let pending = [];   // text pieces of the current block
  let pendingDepth = 0;
  let pendingShown = false;
  let outOfTime = false;
  let visits = 0;
  const links = [];  // link lines, whose targets are decided once all links are known

  const clean = (s) => (s || "").replace(/\s+/g, " ").trim();
  const cut = (s, n) => (s.length > n ? s.slice(0, n - 1) + "…" : s);
  const quote = (s, n) => JSON.stringify(cut(clean(s), n));
  // a field value as it is (spaces and line breaks kept, escaped by JSON), only cut when long
  const exact = (s, n) => JSON.stringify(cut(s, n));

  // An open modal makes the page behind it unreachable: what it hides from assistive technology
  // (aria-hidden) stays out. Without one, aria-hidden content that is on screen is clickable.
  const modalOpen = [...document.querySelectorAll('dialog[open], [aria-modal="true"]')].some((d) =>
    (d.tagName !== "DIALOG" || d.matches(":modal")) && d.checkVisibility() && d.getBoundingClientRect().height > 0);

  // aria-hidden content is skipped when a modal is open or something else covers it on screen
  function ariaHiddenShown(el, r) {
    if (modalOpen) return false;
    if (r.width < 1 || r.height < 1 || r.right < 0 || r.left >= vw || r.bottom < 0 || r.top >= vh) return true;
    const x = Math.min(Math.max(r.left + r.width / 2, 0), vw - 1);
    const y = Math.min(Math.max(r.top + r.height / 2, 0), vh - 1);
    const hit = el.getRootNode().elementFromPoint(x, y);
    return !hit || el.contains(hit);
  }

  function inBand(rect, band) {
    return rect.bottom >= -band * vh && rect.top <= vh + band * vh;
  }

  function flush() {
    if (pending.length && pendingShown && lines.length < maxLines) {
      // pieces are joined as the page joins them: spaces come only from the text (or a block/<br>)
      const text = cut(clean(pending.join("")), maxText);
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
      const t = Array.from(el.labels).map(labelOwnText).join(" ");
      if (clean(t)) return clean(t);
    }
    return "";
  }

  // a label's own words: without the options or text of a control inside it (<label>Country <select>)
  const LABEL_SKIP = "select,textarea,datalist,script,style";
  function labelOwnText(label) {
    if (!label.querySelector(LABEL_SKIP)) return label.innerText || label.textContent;
    const words = [];
    const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const skip = node.parentElement && node.parentElement.closest(LABEL_SKIP);
      if (!skip || !label.contains(skip)) words.push(node.nodeValue);
    }
    return words.join(" ");
  }

  function ownText(el) {
    let t = clean(el.innerText || el.textContent);
    if (t) return t;
    for (const attr of ["title", "alt"]) {
      t = clean(el.getAttribute(attr));
      if (t) return t;
    }
    // an image or icon inside: its alt / title / aria-label
    const inner = el.querySelector && el.querySelector("img[alt],[title],[aria-label]");
    if (inner) t = clean(inner.getAttribute("alt") || inner.getAttribute("title") || inner.getAttribute("aria-label"));
    return t;
  }

  // the telling class of an icon element (an empty element drawn by CSS: "ui-icon-seek-start",
  // "fa-trash"), or "" when el is not one
  const ICON_CLASS = /icon|glyph|^fa-|^bi-|^mdi-/i;
  const ICON_SET = /^(icons?|ui-icon|glyphicon|fa[srbl]?|bi|mdi|material-icons)$/i;  // names the set, not the icon
  function iconClass(el) {
    const attr = el.getAttribute("class");
    if (!attr || !ICON_CLASS.test(attr) || el.firstElementChild || clean(el.textContent)) return "";
    const cls = attr.trim().split(/\s+/)
      .filter((c) => ICON_CLASS.test(c) && !ICON_SET.test(c));
    if (!cls.length) return "";
    // the most specific: a class naming the icon rather than the icon set ("ui-icon" < "ui-icon-disk")
    return cls.reduce((a, b) => (b.length > a.length ? b : a));
  }

  // the one icon inside a control (a menu item drawn as icon + text), "" when none or several;
  // an empty box draws nothing (jQuery UI's "ui-button-icon-space" beside the real icon)
  function innerIcon(el) {
    const found = [];
    const inner = el.getElementsByTagName("*");
    for (let k = 0; k < inner.length && k < 30 && found.length < 2; k++) {
      const c = iconClass(inner[k]);
      if (!c) continue;
      const r = inner[k].getBoundingClientRect();
      if (r.width >= 1 && r.height >= 1) found.push(c);
    }
    return found.length === 1 ? found[0] : "";
  }

  // a field's label written after it, as the next sibling's short text (<input><div>Genre</div>)
  function followingLabel(el) {
    // only in a wrapper of its own (one field and its label), not among the fields of a form
    const parent = el.parentElement;
    if (!parent || parent.querySelectorAll("input,select,textarea,button").length > 1) return "";
    let sib = el.nextSibling;
    for (let k = 0; sib && k < 4; k++, sib = sib.nextSibling) {
      if (sib.nodeType === Node.TEXT_NODE) {
        if (clean(sib.textContent)) return cut(clean(sib.textContent), 60);
        continue;
      }
      if (sib.nodeType !== Node.ELEMENT_NODE) continue;
      if (CONTROL_TAGS.has(sib.tagName) || sib.querySelector(INNER_CONTROLS)) return "";
      const t = clean(sib.innerText);
      return t && t.length <= 60 ? t : "";
    }
    return "";
  }

  // what tells a nameless control apart: its id, else its first classes
  function hint(el) {
    const id = el.id;
    if (id && id.length <= 40) return `id=${id}`;
    const cls = (el.getAttribute("class") || "").trim().split(/\s+/).filter(Boolean).slice(0, 2).join(" ");
    return cls ? `class=${quote(cls, 40)}` : "";
  }

  // name in quotes, or the id/class hint when there is no name
  function named(el, name, n) {
    if (name) return quote(name, n);
    return hint(el) || '""';
  }

  function shortHref(a) {
    const raw = a.getAttribute("href");
    if (raw === null || raw.startsWith("javascript:")) return "";
    try {
      const u = new URL(a.href, location.href);
      if (u.origin === location.origin && u.pathname === location.pathname && u.search === location.search) {
        return u.hash;  // a place on this page
      }
      const s = u.origin === location.origin ? u.pathname + u.search + u.hash : u.host + u.pathname + u.search;
      return cut(s, 70);
    } catch (e) {
      return cut(raw, 70);
    }
  }

  // A link's target is shown only when its text does not tell it apart: no text, no letter or
  // digit ("¶", "»"), or the same text leading to different places in this frame.
  function finishLinks() {
    const targets = new Map();
    for (const l of links) {
      const key = l.name.toLowerCase();
      if (!targets.has(key)) targets.set(key, new Set());
      targets.get(key).add(l.raw);
    }
    for (const l of links) {
      const vague = !/[\p{L}\p{N}]/u.test(l.name) || targets.get(l.name.toLowerCase()).size > 1;
      const href = vague ? shortHref(l.el) : "";
      const parts = [l.head];
      if (href) parts.push(`→ ${href}`);
      if (l.tail) parts.push(l.tail);
      l.line.t = parts.join(" ");
    }
  }

  function roleOf(el) {
    return (el.getAttribute("role") || "").trim().split(/\s+/)[0].toLowerCase();
  }

  function isInteractive(el, style, rect, insideClickable, parentPointer) {
    const tag = el.tagName;
    if (tag === "INPUT") return el.type !== "hidden";
    if (CONTROL_TAGS.has(tag)) return true;
    if (tag === "A" && el.hasAttribute("href")) return true;
    // a link without href but with content is a script's control (menus, tabs, toggles bound by delegation);
    // <a name> is a place to jump to
    if (tag === "A" && !el.hasAttribute("name") && !insideClickable && el.textContent.trim()) return true;
    if (tag === "SUMMARY") return true;
    if (tag === "LABEL" && el.control && !visibleControl(el.control)) return true;
    if (el.isContentEditable && !(el.parentElement && el.parentElement.isContentEditable)) return true;
    if (ROLES.has(roleOf(el))) return true;
    if (tag === "BODY" || tag === "HTML") return false;
    if (focusList(el)) return false;
    if (draggable(el)) return true;
    if (tag === "LI" && focusList(el.parentElement) && !el.querySelector(PLAIN_CONTROLS)) return true;
    // inside a numbered element only a control with its own listener counts (a star icon in an
    // e-mail row); text, pointer cursors and wrappers belong to the outer one
    if (insideClickable) return listened !== null && listened.has(el) && leafish(el, rect);
    if (el.hasAttribute("onclick") || typeof el.onclick === "function" || typeof el.onmousedown === "function") return true;
    const tab = el.getAttribute("tabindex");
    if (tab !== null && parseInt(tab, 10) >= 0) return true;
    if (style.cursor === "pointer" && !parentPointer) return true;
    return listened !== null && listened.has(el) && leafish(el, rect);
  }

  // Something to drag: HTML5 draggable="true", or an item of jQuery UI's draggable / sortable
  const DRAG_CLASS = /(^|\s)(ui-draggable|ui-sortable-handle)(\s|$)/;
  function draggable(el) {
    return el.getAttribute("draggable") === "true" || DRAG_CLASS.test(el.getAttribute("class") || "");
  }

  // A list made focusable by a script (a jQuery UI menu or autocomplete: <ul tabindex=0>) is not one
  // control: its items are the choices, unless they hold controls of their own (a list of links).
  function focusList(el) {
    if (!el || (el.tagName !== "UL" && el.tagName !== "OL") || roleOf(el)) return false;
    const tab = el.getAttribute("tabindex");
    return tab !== null && parseInt(tab, 10) >= 0;
  }

  // A listener on a small box without controls or other listened elements inside is a control of
  // its own (a tic-tac-toe cell, an icon); on a big or rich box it is a container's (delegation).
  function leafish(el, r) {
    if (LIST_TAGS.has(el.tagName) || r.width * r.height > LEAF_AREA * vw * vh) return false;
    if (el.querySelector(INNER_CONTROLS)) return false;
    const inner = el.getElementsByTagName("*");
    if (inner.length > LEAF_DESCENDANTS) return false;
    for (const d of inner) if (listened.has(d)) return false;
    return true;
  }

  // The box a click lands on: the element's own, or for an empty-box element (a link around a
  // floated block) its first descendant with a box.
  function clickTarget(el, r) {
    if (r.width > 0 && r.height > 0) return el;
    const inner = el.getElementsByTagName("*");
    for (let k = 0; k < inner.length && k < 20; k++) {
      const b = inner[k].getBoundingClientRect();
      if (b.width > 1 && b.height > 1 && inner[k].checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) {
        return inner[k];
      }
    }
    return null;
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
    if (draggable(el)) out.push("draggable");
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
        const label = name || followingLabel(el);
        if (label) parts.push(quote(label, 80));
        else if (el.name) parts.push(`name=${cut(el.name, 30)}`);
        if (el.placeholder) parts.push(`placeholder=${quote(el.placeholder, 60)}`);
        if (type === "password") parts.push(el.value ? "value=•••" : 'value=""');
        else if (el.value) parts.push(`value=${exact(el.value, 80)}`);
      }
    } else if (tag === "TEXTAREA") {
      parts.push("textarea");
      const label = name || followingLabel(el);
      if (label) parts.push(quote(label, 80));
      if (el.placeholder) parts.push(`placeholder=${quote(el.placeholder, 60)}`);
      if (el.value) parts.push(`value=${exact(el.value, 120)}`);
    } else if (tag === "SELECT") {
      parts.push(el.multiple ? "select multiple" : "select");
      const label = name || followingLabel(el);
      if (label) parts.push(quote(label, 80));
      const opts = Array.from(el.options);
      const chosen = opts.filter((o) => o.selected).map((o) => clean(o.label || o.text));
      parts.push(`selected=${quote(chosen.join(", "), 60)}`);
      const shown = opts.slice(0, 25).map((o) => cut(clean(o.label || o.text), 40));
      parts.push(`options: ${shown.join(" | ")}${opts.length > 25 ? ` | … (${opts.length} in all)` : ""}`);
    } else if (tag === "A" && !role) {
      const text = name || ownText(el);
      const raw = el.getAttribute("href");
      // the target is added by finishLinks() when the text does not tell the link apart
      return { el, name: text, raw, head: "link " + (text || raw === null ? named(el, text, 100) : '""'),
        tail: flags(el).join(" ") };
    } else if (tag === "BUTTON" && !role) {
      parts.push("button", named(el, name || ownText(el), 100));
    } else if (tag === "LABEL") {
      parts.push("label", quote(clean(labelOwnText(el)) || ownText(el), 80));
      if (el.control) parts.push(`for hidden ${el.control.type === "file" ? "file input" : el.control.tagName.toLowerCase()}`);
    } else if (el.isContentEditable && !role) {
      parts.push("editable");
      if (name) parts.push(quote(name, 60));
      parts.push(`text=${quote(el.innerText, 120)}`);
    } else if (el instanceof SVGElement && !role) {
      return describeSvg(el);
    } else {
      const kind = role || (tag === "SUMMARY" ? "summary" : "clickable");
      parts.push(kind, named(el, name || ownText(el), 100));
      if (el.isContentEditable) parts.push("editable");
    }
    if (tag !== "INPUT" && tag !== "SELECT" && tag !== "TEXTAREA") {
      const icon = iconClass(el) || innerIcon(el);
      if (icon && !parts.some((p) => p.includes(icon))) parts.push(`icon=${icon}`);
    }
    return parts.concat(flags(el)).join(" ");
  }

  // an SVG shape: its text or <title>, else its tag and fill colour, with its id/class
  function describeSvg(el) {
    const title = el.querySelector(":scope > title");
    const name = labelText(el) || clean(el.textContent && el.tagName !== "svg" ? el.textContent : "") ||
      clean(title ? title.textContent : "");
    const parts = [el.tagName === "svg" ? "svg" : "svg " + el.tagName];
    if (name) parts.push(quote(name, 80));
    const fill = el.getAttribute("fill");
    if (fill && fill !== "none") parts.push(`fill=${cut(fill, 20)}`);
    const h = hint(el);
    if (h) parts.push(h);
    return parts.concat(flags(el)).join(" ");
  }

  // Inside an <svg> only shapes with a click listener or a pointer cursor of their own are
  // numbered (d3 charts and games); the drawing itself is not page text.
  function walkSvg(svg, depth) {
    const all = svg.getElementsByTagName("*");
    for (let k = 0; k < all.length && k < SVG_SHAPES; k++) {
      const el = all[k];
      if (lines.length >= maxLines) { truncated = true; return; }
      if (el.tagName === "title" || el.tagName === "defs" || el.closest("defs")) continue;
      const own = listened !== null && listened.has(el);
      const style = getComputedStyle(el);
      const parentPointer = el.parentElement && getComputedStyle(el.parentElement).cursor === "pointer";
      if (!own && !(style.cursor === "pointer" && !parentPointer) && typeof el.onclick !== "function" &&
          !el.hasAttribute("onclick")) continue;
      if (!el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })) continue;
      const r = el.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0 || !inBand(r, elementBand)) continue;
      if (count >= maxElements) { truncated = true; return; }
      count += 1;
      state.els.push(el);
      lines.push({ d: depth, i: count, t: describeSvg(el), f: -1 });
    }
  }

  function depthOf(el, depth) {
    const role = roleOf(el);
    return (CONTAINERS.has(el.tagName) || CONTAINER_ROLES.has(role) || el.shadowRoot) ? Math.min(depth + 1, MAX_DEPTH) : depth;
  }

  function walkChildren(parent, depth, insideClickable, pointer) {
    const kids = parent.tagName === "SLOT" ? parent.assignedNodes({ flatten: true }) : parent.childNodes;
    for (const node of kids) walk(node, depth, insideClickable, pointer);
  }

  function walk(node, depth, insideClickable, parentPointer) {
    if (lines.length >= maxLines) { truncated = true; return; }
    if (outOfTime) return;
    if ((++visits & 63) === 0 && performance.now() > deadline) { outOfTime = true; truncated = true; return; }
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
      } else if (t && pending.length) {
        pending.push(" ");  // the space between two inline elements
      }
      return;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) return;
    const el = node;
    if (SKIP_TAGS.has(el.tagName)) return;
    if (el.hasAttribute("inert")) return;
    if (!el.checkVisibility()) return;  // display:none (and content-visibility) hides the whole subtree
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    if (el.getAttribute("aria-hidden") === "true" && !ariaHiddenShown(el, rect)) return;
    if (style.overflow !== "visible" && style.display !== "contents") {
      if (rect.width === 0 || rect.height === 0) return;  // zero-size box that clips its content
    }
    if (style.position === "static" || style.position === "relative") {
      // far outside the band: skip the subtree (positioned overlays usually hang off <body> or a
      // positioned ancestor near them, so their containers are in the band)
      if (rect.width > 0 && rect.height > 0 && !inBand(rect, Math.max(elementBand, textBand)) && el !== document.body) {
        flush();
        return;
      }
    }
    const block = !style.display.startsWith("inline");
    if (block) flush();
    if (el.tagName === "BR") {
      if (pending.length) pending.push(" ");
      return;
    }
    // an inline-block set off by margin or padding reads as a separate word (menu items, badges);
    // without any (per-letter spans) it runs on with its neighbours as on screen
    const gap = !block && style.display !== "inline" &&
      (parseFloat(style.marginLeft) + parseFloat(style.paddingLeft) + parseFloat(style.marginRight) +
       parseFloat(style.paddingRight) > 0);
    if (gap && pending.length) pending.push(" ");

    if (el.tagName === "IFRAME" || el.tagName === "FRAME") {
      if (rect.width > 1 && rect.height > 1 && style.visibility !== "hidden" && inBand(rect, elementBand)) {
        flush();
        state.frames.push(el);
        lines.push({ d: depth, i: 0, t: "", f: state.frames.length - 1 });
      }
      return;
    }

    const shown = style.visibility !== "hidden" && parseFloat(style.opacity) > 0;
    const pointer = style.cursor === "pointer";
    if (el instanceof SVGElement) {
      // the <svg> as a whole is a control (an icon with a listener), else look for clickable shapes in it
      if (!shown || insideClickable || rect.width <= 0 || rect.height <= 0 || !inBand(rect, elementBand)) return;
      flush();
      if (isInteractive(el, style, rect, insideClickable, parentPointer) && count < maxElements) {
        count += 1;
        state.els.push(el);
        lines.push({ d: depth, i: count, t: describe(el), f: -1 });
      } else {
        walkSvg(el, depth);
      }
      return;
    }
    let numbered = false;
    if (shown && isInteractive(el, style, rect, insideClickable, parentPointer)) {
      const target = clickTarget(el, rect);
      if (target && inBand(target === el ? rect : target.getBoundingClientRect(), elementBand)) {
        if (count < maxElements) {
          flush();
          count += 1;
          state.els.push(target);
          const d = describe(el);
          const line = { d: depth, i: count, t: d, f: -1 };
          if (typeof d !== "string") {
            d.line = line;
            links.push(d);
          }
          lines.push(line);
          numbered = true;
        } else {
          truncated = true;
        }
      }
    }
    if (/^H[1-6]$/.test(el.tagName) && !numbered && !el.querySelector("a[href],button,input,select,[role],[onclick]")) {
      flush();
      const t = cut(clean(el.innerText), maxText);
      if (t && !insideClickable && inBand(rect, textBand)) {
        lines.push({ d: depth, i: 0, t: "#".repeat(+el.tagName[1]) + " " + t, f: -1 });
      }
      return;
    }
    const tag = el.tagName;
    if (tag === "SELECT" || tag === "TEXTAREA" || (numbered && el.isContentEditable)) return;
    if (!numbered && !insideClickable && shown && rect.width > 0) {
      const icon = iconClass(el);
      if (icon) {
        // an icon inside text ("click the item with the [icon ui-icon-seek-start] icon")
        if (!pending.length) pendingDepth = depth;
        if (!pendingShown) pendingShown = inBand(rect, textBand);
        pending.push(` [icon ${icon}] `);
        return;
      }
    }
    // controls inside a numbered element are indented under it
    const childDepth = numbered ? Math.min(depth + 1, MAX_DEPTH) : depthOf(el, depth);
    // a label's text already names its (numbered) control
    const inside = insideClickable || numbered || (tag === "LABEL" && !!el.control);
    if (el.shadowRoot) walkChildren(el.shadowRoot, childDepth, inside, pointer);
    else walkChildren(el, childDepth, inside, pointer);
    if (block) flush();
    else if (gap && pending.length) pending.push(" ");
  }

  if (document.body) walk(document.body, 0, false, false);
  flush();
  finishLinks();
  const se = document.scrollingElement || document.documentElement;
  // one JSON string: much cheaper to hand over than a tree of small objects
  return JSON.stringify({
    lines, truncated, cut: outOfTime, count,
    title: document.title,
    scroll: { y: Math.round(window.scrollY), height: Math.round(se ? se.scrollHeight : 0), viewport: vh },
  });
}
