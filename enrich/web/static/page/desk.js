// The editor's desk beside the marked article: a table of every tag (sortable, filterable by status, each row linked
// to its mark), a table of the companies the article names (with the "Companies without tags" switch), and downloads
// of the answer as CSV (one row per tag) and as JSON (the API's answer, byte for byte). page.js owns the marks and
// the panel; it hands this module its helpers once (EnrichDesk.init) and each answer (EnrichDesk.render), and tells it
// which mark is open (EnrichDesk.select). Article text only ever goes through textContent.
"use strict";
window.EnrichDesk = (function () {
  const $ = (id) => document.getElementById(id);
  const STATUSES = ["valid", "corrected", "unverified", "unknown", "ambiguous"];
  const NONE = "—";
  let page = null; // {el, listing, openTag(i, focus), openCompany(i, focus)} from page.js
  let current = null; // page.js's {text, mentions, companies, raw}
  const tables = {}; // "tags" | "companies" -> {spec, rows, sortKey, sortDir}

  function text(v) { return v === null || v === undefined || v === "" ? NONE : String(v); }
  function claimed(m) { return m.claimed ? m.claimed.exchange + ": " + m.claimed.symbol : m.text; }
  function resolved(m) { return m.resolved ? page.listing(m.resolved) : ""; }

  // The tag as the fix writes it: the fix's span replaces its part of the tag (spans count code points).
  function fixed(m) {
    const f = m.fix;
    if (!f || !Array.isArray(f.span)) return "";
    const [start, end] = m.span;
    if (f.span[0] < start || f.span[1] > end) return f.text;
    const points = Array.from(m.text);
    points.splice(f.span[0] - start, f.span[1] - f.span[0], ...Array.from(f.text));
    return points.join("");
  }

  function last(m) { return m.price && typeof m.price.last === "number" ? m.price.last : null; }
  function changePct(m) { return m.price && typeof m.price.change_pct === "number" ? m.price.change_pct : null; }
  function signed(pct) { return (pct > 0 ? "+" : pct < 0 ? "−" : "±") + Math.abs(pct).toFixed(2) + "%"; }
  function percent(c) { return typeof c === "number" ? Math.round(c * 100) + "%" : NONE; }

  function statusCell(status) { return page.el("span", {class: "mark " + status}, status); }

  function priceCell(m) {
    const v = last(m);
    if (v === null) {
      const why = m.price ? "no last price" : (m.price_status || "unavailable");
      return [page.el("span", {class: "sr-only"}, "no price: "),
              page.el("span", {class: "why", title: m.price_detail || ""}, why)];
    }
    const out = [v + " " + (m.price.currency || "")];
    if (m.price.stale) out.push(" ", page.el("span", {class: "stale"}, "stale"));
    return out;
  }

  function changeCell(m) {
    const pct = changePct(m);
    if (pct === null) return NONE;
    return page.el("span", {class: pct > 0 ? "up" : pct < 0 ? "down" : ""}, signed(pct));
  }

  // Columns: label, sort value (null sorts last either way), the cell's content.
  const TAG_COLUMNS = [
    {key: "n", label: "#", value: (m, i) => i, cell: null},
    {key: "status", label: "Status", value: (m) => m.status, cell: (m) => statusCell(m.status)},
    {key: "company", label: "Company", value: (m) => (m.company ? m.company.text : null),
     cell: (m) => text(m.company && m.company.text)},
    {key: "claimed", label: "Claimed", value: claimed, cell: claimed, tight: true},
    {key: "listing", label: "Resolved listing", value: (m) => resolved(m) || null, cell: (m) => text(resolved(m)),
     tight: true},
    {key: "fix", label: "Fix", value: (m) => fixed(m) || null, cell: (m) => text(fixed(m)), tight: true},
    {key: "price", label: "Price", value: last, cell: priceCell, numeric: true, tight: true},
    {key: "change", label: "Change", value: changePct, cell: changeCell, numeric: true, tight: true},
  ];
  const COMPANY_COLUMNS = [
    {key: "n", label: "#", value: (c, i) => i, cell: null},
    {key: "company", label: "Company", value: (c) => c.text, cell: (c) => c.text},
    {key: "listing", label: "Listing", value: (c) => page.listing(c.listing || {}) || null,
     cell: (c) => text(page.listing(c.listing || {}))},
    {key: "confidence", label: "Confidence", value: (c) => (typeof c.confidence === "number" ? c.confidence : null),
     cell: (c) => percent(c.confidence), numeric: true},
    {key: "tagged", label: "Tagged", value: (c) => (c.tagged ? "yes" : "no"), cell: (c) => (c.tagged ? "yes" : "no")},
    {key: "suggestion", label: "Suggestion", value: (c) => (c.suggestion ? c.suggestion.text : null),
     cell: (c) => text(c.suggestion && c.suggestion.text)},
  ];

  function compare(a, b) {
    if (typeof a === "number" && typeof b === "number") return a - b;
    return String(a).localeCompare(String(b), undefined, {sensitivity: "base", numeric: true});
  }

  // Sorted row order: the column's values (empty ones last in both directions), ties kept in article order.
  function order(items, column, dir) {
    const keyed = items.map((item, i) => ({i, v: column.value(item, i)}));
    keyed.sort((a, b) => {
      const aNone = a.v === null || a.v === undefined, bNone = b.v === null || b.v === undefined;
      if (aNone || bNone) return aNone === bNone ? a.i - b.i : (aNone ? 1 : -1);
      return (dir === "descending" ? -compare(a.v, b.v) : compare(a.v, b.v)) || a.i - b.i;
    });
    return keyed.map((k) => k.i);
  }

  function header(name, column) {
    const th = page.el("th", {scope: "col", "data-key": column.key, class: column.numeric ? "num" : ""});
    const button = page.el("button", {type: "button", class: "sort"}, column.label);
    if (column.key === "n") button.setAttribute("aria-label", "# (order in the article)");
    button.addEventListener("click", () => sortBy(name, column.key)); // a button: Enter and Space click it
    th.append(button);
    return th;
  }

  function build(name, items, columns, caption, kind) {
    const markPrefix = kind === "tag" ? "tag-" : "company-";
    const table = page.el("table", {id: name + "-table", class: "desk-table"});
    table.append(page.el("caption", {id: name + "-caption"}, caption));
    const head = page.el("tr");
    columns.forEach((c) => head.append(header(name, c)));
    table.append(page.el("thead", {}, head));
    const body = page.el("tbody");
    const rows = items.map((item, i) => {
      const tr = page.el("tr", {"data-index": String(i)});
      if (kind === "tag") tr.setAttribute("data-status", item.status);
      const mark = document.getElementById(markPrefix + i);
      const what = kind === "tag" ? claimed(item) + ", " + item.status : item.text + ", company";
      const first = mark
        ? page.el("a", {href: "#" + markPrefix + i, class: "rowlink", "aria-label": (i + 1) + ": " + what +
                        " (show in the article)"}, String(i + 1))
        : page.el("span", {title: "not marked: it overlaps a tag"}, String(i + 1));
      if (mark) {
        first.addEventListener("click", (event) => {
          event.preventDefault();
          if (kind === "tag") page.openTag(i, true); else page.openCompany(i, true);
        });
      }
      tr.append(page.el("td", {class: "num"}, first));
      columns.slice(1).forEach((c) => {
        const content = c.cell(item);
        const td = page.el("td", {class: (c.numeric ? "num" : "") + (c.tight ? " tight" : "")});
        td.append(...(Array.isArray(content) ? content : [content]));
        tr.append(td);
      });
      body.append(tr);
      return tr;
    });
    if (!items.length) {
      body.append(page.el("tr", {}, page.el("td", {colspan: String(columns.length), class: "empty"},
                                               kind === "tag" ? "No ticker tags found." : "No listed company named.")));
    }
    table.append(body);
    tables[name] = {columns, items, rows, body, table, sortKey: "n", sortDir: "ascending"};
    markSorted(name);
    return table;
  }

  function markSorted(name) {
    const t = tables[name];
    t.table.querySelectorAll("th").forEach((th) => {
      th.setAttribute("aria-sort", th.getAttribute("data-key") === t.sortKey ? t.sortDir : "none");
    });
  }

  // Click a column once: ascending; again: descending (and back). Row order only: filters stay as they are.
  function sortBy(name, key) {
    const t = tables[name];
    t.sortDir = t.sortKey === key && t.sortDir === "ascending" ? "descending" : "ascending";
    t.sortKey = key;
    const column = t.columns.find((c) => c.key === key);
    order(t.items, column, t.sortDir).forEach((i) => t.body.append(t.rows[i]));
    markSorted(name);
    $("desk-sorted").textContent = (name === "tags" ? "Tags" : "Companies") + " sorted by " +
      (key === "n" ? "order in the article" : column.label.toLowerCase()) + ", " + t.sortDir + ".";
  }

  function filters(mentions) {
    const box = $("status-filter");
    box.replaceChildren(page.el("legend", {}, "Show tags that are"));
    STATUSES.forEach((s) => {
      const n = mentions.filter((m) => m.status === s).length;
      if (!n) return;
      const input = page.el("input", {type: "checkbox", value: s, "data-status": s});
      input.checked = true;
      input.addEventListener("change", applyFilter);
      box.append(page.el("label", {class: "inline filter"}, input, " ", page.el("span", {class: "mark " + s}, s),
                         " (" + n + ")"));
    });
    box.hidden = !mentions.length;
  }

  function applyFilter() {
    const shown = new Set(Array.from(document.querySelectorAll("#status-filter input:checked")).map((c) => c.value));
    const t = tables.tags;
    let visible = 0;
    t.rows.forEach((tr, i) => {
      tr.hidden = !shown.has(t.items[i].status);
      if (!tr.hidden) visible += 1;
    });
    const total = t.items.length;
    $("desk-count").textContent = visible === total
      ? "Showing all " + total + (total === 1 ? " tag." : " tags.")
      : "Showing " + visible + " of " + total + (total === 1 ? " tag." : " tags.");
  }

  // RFC 4180: fields with a comma, quote, CR or LF quoted, quotes doubled; CRLF between records. A text field that a
  // spreadsheet would read as a formula (= + - @, tab, CR first) gets a leading apostrophe (OWASP's CSV injection).
  function csvField(v, isText) {
    let s = v === null || v === undefined ? "" : String(v);
    if (isText && /^[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  const CSV_COLUMNS = [
    ["#", (m, i) => i + 1], ["status", (m) => m.status, true], ["company", (m) => m.company && m.company.text, true],
    ["claimed", claimed, true], ["resolved listing", resolved, true], ["fix", fixed, true],
    ["price", last], ["currency", (m) => (m.price ? m.price.currency : "")], ["change %", changePct],
    ["price status", (m) => (m.price ? "" : m.price_status), true], ["start", (m) => m.span[0]],
    ["end", (m) => m.span[1]], ["text", (m) => m.text, true], ["confidence", (m) => m.confidence],
    ["evidence", (m) => (m.evidence || []).map((e) => e.source + ": " + (e.finding || "")).join(" | "), true],
  ];

  function csv(mentions) {
    const lines = [CSV_COLUMNS.map((c) => csvField(c[0], true)).join(",")];
    mentions.forEach((m, i) => lines.push(CSV_COLUMNS.map((c) => csvField(c[1](m, i), c[2])).join(",")));
    return "\ufeff" + lines.join("\r\n") + "\r\n"; // the BOM: spreadsheet apps then read UTF-8
  }

  function today() {
    const d = new Date();
    const two = (n) => String(n).padStart(2, "0");
    return d.getFullYear() + "-" + two(d.getMonth() + 1) + "-" + two(d.getDate());
  }

  // A download is a navigation to a blob: URL (not a fetch), so the page's CSP lets it through.
  function download(content, type, extension) {
    const url = URL.createObjectURL(new Blob([content], {type}));
    const link = page.el("a", {href: url, download: "enrich-" + today() + "." + extension, hidden: ""});
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    $("desk-downloaded").textContent = "Downloading " + link.download + ".";
  }

  function render(answer) {
    current = answer;
    const holder = $("desk-tables");
    holder.replaceChildren();
    const n = current.mentions.length;
    holder.append(build("tags", current.mentions, TAG_COLUMNS, "Every tag (" + n + ")", "tag"));
    if (current.companies !== null) {
      holder.append(build("companies", current.companies, COMPANY_COLUMNS,
                          "Companies the article names (" + current.companies.length + ")", "company"));
    } else {
      delete tables.companies;
    }
    filters(current.mentions);
    applyFilter();
    $("desk-sorted").textContent = "";
    $("desk-downloaded").textContent = "";
  }

  // A mark was opened (from the article or a row): its row is highlighted and scrolled into the desk's own view.
  function select(kind, index) {
    document.querySelectorAll(".desk-table tr[aria-current]").forEach((tr) => tr.removeAttribute("aria-current"));
    const t = tables[kind === "tag" ? "tags" : "companies"];
    const row = t && t.rows[index];
    if (!row) return;
    row.setAttribute("aria-current", "true");
    const box = $("desk-tables");
    if (box.scrollHeight > box.clientHeight + 1) { // the desk scrolls on its own (wide screens): never the page
      const top = row.getBoundingClientRect().top - box.getBoundingClientRect().top;
      const head = row.closest("table").tHead.getBoundingClientRect().height;
      if (top < head || top + row.offsetHeight > box.clientHeight) box.scrollTop += top - head - 8;
    }
  }

  function init(helpers) {
    page = helpers;
    $("download-csv").addEventListener("click", () => {
      if (current) download(csv(current.mentions), "text/csv;charset=utf-8", "csv");
    });
    $("download-json").addEventListener("click", () => {
      if (current) download(current.raw, "application/json", "json");
    });
  }

  return {init, render, select, csv};
})();
