// The visible content of one frame as markdown (for read_page): headings, paragraphs, lists,
// links, tables, form values. Hidden elements and open shadow roots are handled like the serializer.
(maxChars) => {
  const SKIP = new Set(["SCRIPT", "STYLE", "NOSCRIPT", "TEMPLATE", "HEAD", "SVG", "svg", "IFRAME", "CANVAS"]);
  const BLOCK = new Set(["P", "DIV", "SECTION", "ARTICLE", "MAIN", "HEADER", "FOOTER", "ASIDE", "NAV", "FORM",
    "FIELDSET", "UL", "OL", "TABLE", "BLOCKQUOTE", "PRE", "FIGURE", "DL", "DT", "DD", "DETAILS", "SUMMARY"]);
  const out = [];
  let size = 0;
  const clean = (s) => (s || "").replace(/\s+/g, " ");

  function inline(node) {
    let s = "";
    const kids = node.tagName === "SLOT" ? node.assignedNodes({ flatten: true }) : (node.shadowRoot || node).childNodes;
    for (const child of kids) s += render(child, true);
    return s;
  }

  function cell(el) { return clean(inline(el)).trim().replace(/\|/g, "\\|"); }

  function table(el) {
    const rows = Array.from(el.rows || []).filter((r) => r.checkVisibility());
    if (!rows.length) return "";
    const body = rows.map((r) => "| " + Array.from(r.cells).map(cell).join(" | ") + " |");
    const width = rows[0].cells.length;
    body.splice(1, 0, "|" + " --- |".repeat(width));
    return "\n\n" + body.join("\n") + "\n\n";
  }

  function render(node, inInline) {
    if (size > maxChars) return "";
    if (node.nodeType === Node.TEXT_NODE) return clean(node.textContent);
    if (node.nodeType !== Node.ELEMENT_NODE) return "";
    const el = node;
    if (SKIP.has(el.tagName) || el.getAttribute("aria-hidden") === "true") return "";
    if (!el.checkVisibility({ checkVisibilityCSS: true }) && el.tagName !== "SLOT") return "";
    const tag = el.tagName;
    let s;
    if (/^H[1-6]$/.test(tag)) s = "\n\n" + "#".repeat(+tag[1]) + " " + clean(inline(el)).trim() + "\n\n";
    else if (tag === "A" && el.getAttribute("href") && !el.getAttribute("href").startsWith("javascript:")) {
      const text = clean(inline(el)).trim();
      s = text ? `[${text}](${el.href})` : "";
    } else if (tag === "IMG") s = el.alt ? `![${clean(el.alt).trim()}]` : "";
    else if (tag === "BR") s = "\n";
    else if (tag === "HR") s = "\n\n---\n\n";
    else if (tag === "LI") s = "\n- " + clean(inline(el)).trim();
    else if (tag === "TABLE") s = table(el);
    else if (tag === "PRE") s = "\n\n```\n" + el.innerText + "\n```\n\n";
    else if (tag === "STRONG" || tag === "B") { const t = inline(el).trim(); s = t ? `**${t}**` : ""; }
    else if (tag === "INPUT") s = el.type === "password" ? " [password] " : (el.type === "hidden" ? "" : ` [${el.value || el.placeholder || ""}] `);
    else if (tag === "TEXTAREA") s = ` [${el.value}] `;
    else if (tag === "SELECT") s = ` [${Array.from(el.selectedOptions).map((o) => o.text).join(", ")}] `;
    else if (BLOCK.has(tag) || (!inInline && getComputedStyle(el).display === "block")) s = "\n\n" + inline(el) + "\n\n";
    else s = inline(el);
    size += s.length;
    return s;
  }

  if (document.body) out.push(render(document.body, false));
  let text = out.join("").replace(/[ \t]+\n/g, "\n").replace(/\n[ \t]+/g, "\n").replace(/\n{3,}/g, "\n\n").replace(/ {2,}/g, " ").trim();
  return { title: document.title, url: location.href, text };
}
