// The page at /: paste an article, POST it to /v1/enrich, mark every tag up (and, with the "Companies without tags"
// switch, every company the article names). Article text only ever goes through textContent (never parsed as HTML).
// Spans from the service count Python code points; JS strings count UTF-16 units. A service with API keys answers 401:
// the page then asks for the key, keeps it in sessionStorage (this tab only; never localStorage, never the URL) and
// sends it as X-API-Key. The desk beside the article (a table of every tag, downloads) is desk.js.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const SHARE_LIMIT = 2000; // longer texts are not put in the URL
  const KEY_ITEM = "enrich.apiKey";
  const STATUS_TEXT = {
    valid: "valid: listed on the claimed venue",
    corrected: "corrected: the tag is wrong and one fix is well supported",
    unverified: "unverified: nothing loaded can confirm or refute it",
    unknown: "unknown: the venue is covered and the symbol isn't there",
    ambiguous: "ambiguous: several fixes are about equally supported",
  };
  const COMPANY_TEXT = {
    tagged: "a listed company, named with a tag",
    untagged: "a listed company, named without a tag",
  };
  let current = null; // {text, mentions, meta, companies, raw}: companies is null unless the request asked for names;
                      // raw is the answer's body as the service sent it (the JSON download)
  let keptKey = ""; // the key, when the browser refuses sessionStorage: it lasts as long as the page

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v; else node.setAttribute(k, v);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : String(child));
    }
    return node;
  }

  // utf16[i] is the UTF-16 offset of code point i (and utf16[n] the string's length).
  function codePointOffsets(text) {
    const offsets = [0];
    let at = 0;
    for (const ch of text) { at += ch.length; offsets.push(at); }
    return offsets;
  }

  function showMessage(text, kind) {
    const box = $("message");
    box.textContent = text;
    box.className = kind || "";
    box.hidden = !text;
  }

  function storedKey() {
    try { return window.sessionStorage.getItem(KEY_ITEM) || ""; } catch (err) { return keptKey; }
  }

  function storeKey(key) {
    keptKey = key;
    try {
      if (key) window.sessionStorage.setItem(KEY_ITEM, key); else window.sessionStorage.removeItem(KEY_ITEM);
    } catch (err) { /* storage refused: keptKey serves */ }
  }

  function askForKey(message) {
    showMessage(message);
    $("key-box").hidden = false;
    $("key").focus();
    $("key").select();
  }

  async function enrich(text) {
    showMessage("");
    const button = $("check");
    button.disabled = true;
    button.textContent = "Checking…";
    try {
      let response;
      const key = storedKey();
      const headers = {"Content-Type": "application/json", "Accept": "application/json"};
      if (key) headers["X-API-Key"] = key;
      try {
        response = await fetch("v1/enrich", {
          method: "POST", headers: headers,
          body: JSON.stringify({text: text, prices: $("prices").checked, names: $("names").checked}),
        });
      } catch (err) {
        showMessage("The service could not be reached: " + err.message);
        return;
      }
      let body = null, raw = "";
      try { raw = await response.text(); body = JSON.parse(raw); } catch (err) { body = null; }
      if (!response.ok) {
        const message = body && body.error && body.error.message ? body.error.message : response.statusText;
        if (response.status === 401) {
          askForKey(key ? "The service did not accept this API key (" + (message || "unknown API key") +
                          "): correct it below, then check again."
                        : "This service needs an API key: type it in the API key field below, then check again.");
        } else if (response.status === 429) {
          const retry = response.headers.get("Retry-After");
          showMessage("Too many requests: the service is throttling. " +
                      (retry ? "Try again in " + retry + " s. " : "Try again shortly. ") + (message || ""));
        } else {
          showMessage("The service answered " + response.status + ": " + (message || "an error"));
        }
        return;
      }
      if (!body || !Array.isArray(body.mentions)) {
        showMessage("The service answered something unexpected.");
        return;
      }
      current = {text: text, mentions: body.mentions, meta: body.meta || {},
                 companies: Array.isArray(body.companies) ? body.companies : null, raw: raw};
      render();
      updateUrl(text, current.companies !== null);
    } finally {
      button.disabled = false;
      button.textContent = "Check tags";
    }
  }

  function updateUrl(text, names) {
    const url = new URL(window.location.href);
    if (text.length < SHARE_LIMIT) url.searchParams.set("text", text); else url.searchParams.delete("text");
    if (names) url.searchParams.set("names", "1"); else url.searchParams.delete("names");
    window.history.replaceState(null, "", url.toString());
  }

  // Tags and company names in text order; a company name that overlaps a tag is left unmarked (the tag wins).
  function marksInOrder(mentions, companies) {
    const tags = mentions.map((m, i) => ({kind: 0, span: m.span, i}));
    const clear = (span) => !tags.some((t) => span[0] < t.span[1] && t.span[0] < span[1]);
    const names = companies.map((c, i) => ({kind: 1, span: c.span, i})).filter((c) => clear(c.span));
    return tags.concat(names).sort((a, b) => a.span[0] - b.span[0] || a.kind - b.kind || a.i - b.i);
  }

  function tagMark(m, i) {
    const label = (m.claimed ? m.claimed.exchange + ": " + m.claimed.symbol : m.text) + ", " + m.status;
    const mark = el("button", {type: "button", id: "tag-" + i, class: "mark " + m.status, "data-index": String(i),
                               "data-status": m.status, "aria-expanded": "false", "aria-controls": "panel",
                               "aria-label": label, title: STATUS_TEXT[m.status] || m.status});
    mark.addEventListener("click", () => openPanel(i, mark));
    return mark;
  }

  function companyMark(c, i) {
    const how = c.tagged ? "tagged" : "untagged";
    const label = c.text + ": company " + listing(c.listing) + ", " + (c.tagged ? "tagged" : "no tag") +
                  (c.suggestion ? ", tag suggested" : "");
    const mark = el("button", {type: "button", id: "company-" + i, class: "company " + how, "data-index": String(i),
                               "data-tagged": String(Boolean(c.tagged)), "aria-expanded": "false",
                               "aria-controls": "panel", "aria-label": label,
                               title: COMPANY_TEXT[how] + (c.suggestion ? ": suggest " + c.suggestion.text : "")});
    mark.addEventListener("click", () => openCompanyPanel(i, mark));
    return mark;
  }

  function render() {
    const {text, mentions} = current;
    const companies = current.companies || [];
    const utf16 = codePointOffsets(text);
    const marked = $("marked");
    marked.replaceChildren();
    $("panel").hidden = true;
    $("fixed-box").hidden = true;
    let at = 0; // UTF-16 offset written so far
    marksInOrder(mentions, companies).forEach(({kind, span, i}) => {
      const start = utf16[span[0]], end = utf16[span[1]];
      if (start === undefined || end === undefined || start < at) return; // out of range or overlapping: skip
      if (start > at) marked.append(text.slice(at, start));
      const mark = kind === 0 ? tagMark(mentions[i], i) : companyMark(companies[i], i);
      mark.textContent = text.slice(start, end);
      marked.append(mark);
      at = end;
    });
    if (at < text.length) marked.append(text.slice(at));
    const counts = {};
    mentions.forEach((m) => { counts[m.status] = (counts[m.status] || 0) + 1; });
    const parts = Object.entries(counts).map(([k, v]) => v + " " + k);
    let summary = mentions.length
      ? mentions.length + (mentions.length === 1 ? " tag: " : " tags: ") + parts.join(", ") + "."
      : "No ticker tags found.";
    if (current.companies !== null) {
      const untagged = companies.filter((c) => !c.tagged).length;
      summary += " " + (companies.length === 1 ? "1 company mention" : companies.length + " company mentions") +
                 (companies.length ? " (" + untagged + " without a tag)." : ".");
    }
    if (mentions.length || companies.length) summary += " Select a mark to see why.";
    $("summary").textContent = summary;
    document.querySelectorAll(".legend .names-only").forEach((li) => { li.hidden = current.companies === null; });
    const suggestions = companies.some((c) => c.suggestion);
    $("apply").textContent = suggestions ? "Apply fixes and suggestions" : "Apply fixes";
    $("apply").disabled = !(mentions.some((m) => m.fix) || suggestions);
    $("result").hidden = false;
    window.EnrichDesk.render(current);
  }

  function listing(r) {
    return [r.exchange, r.symbol].filter(Boolean).join(": ");
  }

  function expand(mark) {
    document.querySelectorAll("#marked [aria-expanded=true]").forEach((b) => b.setAttribute("aria-expanded", "false"));
    mark.setAttribute("aria-expanded", "true");
  }

  function evidenceList(evidence) {
    const list = el("ul", {class: "evidence"});
    evidence.forEach((e) => list.append(el("li", {}, e.source + (e.as_of ? " (" + e.as_of + ")" : "") + ": " + (e.finding || ""))));
    return list;
  }

  // Open a mark's panel from elsewhere (the desk's row links): as a click on the mark does, and the mark gets the focus.
  function openFrom(prefix, open) {
    return (index) => {
      const mark = $(prefix + index);
      if (!mark) return;
      open(index, mark);
      mark.scrollIntoView({block: "center"});
      mark.focus({preventScroll: true});
    };
  }

  function openPanel(index, mark) {
    const m = current.mentions[index];
    expand(mark);
    window.EnrichDesk.select("tag", index);
    const panel = $("panel");
    panel.replaceChildren();
    panel.append(el("h2", {}, m.text, " ", el("span", {class: "mark " + m.status}, m.status)));
    panel.append(el("p", {}, STATUS_TEXT[m.status] || m.status));
    const facts = el("dl");
    const fact = (k, v) => { if (v !== null && v !== undefined && v !== "") facts.append(el("dt", {}, k), el("dd", {}, v)); };
    if (m.company) fact("company", m.company.text);
    if (m.claimed) fact("claimed", m.claimed.exchange + ": " + m.claimed.symbol + (m.claimed.mic ? " (" + m.claimed.mic + ")" : ""));
    if (m.resolved) {
      const r = m.resolved;
      fact("listing", listing(r) + (r.mic ? " (" + r.mic + ")" : ""));
      fact("name", r.name);
      fact("kind", r.kind);
      fact("currency", r.currency);
      if (r.yahoo_symbol && r.yahoo_symbol !== r.symbol) fact("Yahoo", r.yahoo_symbol);
    } else {
      fact("listing", "none resolved");
    }
    if (typeof m.confidence === "number") fact("confidence", Math.round(m.confidence * 100) + "%");
    if (m.fix) fact("fix", m.fix.text);
    panel.append(facts);
    if (m.corrections && m.corrections.length) {
      panel.append(el("h3", {}, "Correction"));
      const list = el("ul", {class: "corrections"});
      m.corrections.forEach((c) => list.append(el("li", {}, c.field + ": " + c.from + " → " + c.to,
                                                   c.reason ? el("br") : null, c.reason || null)));
      panel.append(list);
    }
    if (m.candidates && m.candidates.length) {
      panel.append(el("h3", {}, "Candidates"));
      const list = el("ul");
      m.candidates.forEach((c) => list.append(el("li", {}, c.name ? listing(c) + " (" + c.name + ")" : listing(c))));
      panel.append(list);
    }
    panel.append(el("h3", {}, "Price"));
    panel.append(priceChip(m));
    if (m.evidence && m.evidence.length) {
      panel.append(el("h3", {}, "Evidence"));
      panel.append(evidenceList(m.evidence));
    }
    panel.hidden = false;
  }

  function openCompanyPanel(index, mark) {
    const c = current.companies[index];
    const how = c.tagged ? "tagged" : "untagged";
    expand(mark);
    window.EnrichDesk.select("company", index);
    const panel = $("panel");
    panel.replaceChildren();
    panel.append(el("h2", {}, c.text, " ", el("span", {class: "company " + how}, "company")));
    panel.append(el("p", {}, COMPANY_TEXT[how] + "."));
    const facts = el("dl");
    const fact = (k, v) => { if (v !== null && v !== undefined && v !== "") facts.append(el("dt", {}, k), el("dd", {}, v)); };
    const r = c.listing || {};
    fact("listing", listing(r) + (r.mic ? " (" + r.mic + ")" : ""));
    fact("name", r.name);
    if (r.yahoo_symbol && r.yahoo_symbol !== r.symbol) fact("Yahoo", r.yahoo_symbol);
    if (typeof c.confidence === "number") fact("confidence", Math.round(c.confidence * 100) + "%");
    fact("tagged", c.tagged ? "yes" : "no");
    fact("suggestion", c.suggestion ? c.suggestion.text : null);
    panel.append(facts);
    if (c.evidence && c.evidence.length) {
      panel.append(el("h3", {}, "Evidence"));
      panel.append(evidenceList(c.evidence));
    }
    panel.hidden = false;
  }

  function priceChip(m) {
    const p = m.price;
    if (!p) {
      return el("p", {class: "chip"}, "no price: " + (m.price_status || "unavailable") +
                (m.price_detail ? " (" + m.price_detail + ")" : ""));
    }
    const chip = el("p", {class: "chip price"});
    chip.append(el("strong", {}, p.last !== null && p.last !== undefined ? p.last + " " + (p.currency || "") : "n/a"));
    if (typeof p.change_pct === "number") {
      const sign = p.change_pct > 0 ? "+" : "";
      chip.append(" ", el("span", {class: p.change_pct >= 0 ? "up" : "down"}, sign + p.change_pct.toFixed(2) + "%"));
    }
    if (p.market_state) chip.append(" · " + p.market_state);
    if (p.stale) chip.append(" · ", el("span", {class: "stale"}, "stale"));
    if (p.as_of) chip.append(el("br"), el("small", {}, "as of " + p.as_of + (p.source ? " · " + p.source : "")));
    return chip;
  }

  // The fixed text: each distinct edit ({span, text}: a tag's fix, a company's suggested tag) once, applied right to
  // left on code points; overlapping edits are skipped.
  function applyFixes(text, edits) {
    const seen = new Set();
    const fixes = [];
    edits.forEach((f) => {
      if (!f || !Array.isArray(f.span)) return;
      const key = f.span[0] + ":" + f.span[1] + ":" + f.text;
      if (!seen.has(key)) { seen.add(key); fixes.push(f); }
    });
    fixes.sort((a, b) => b.span[0] - a.span[0] || b.span[1] - a.span[1]);
    const points = Array.from(text);
    let limit = points.length;
    fixes.forEach((f) => {
      const [start, end] = f.span;
      if (start < 0 || end > limit || start > end) return;
      points.splice(start, end - start, ...Array.from(f.text));
      limit = start;
    });
    return points.join("");
  }

  async function copyFixed() {
    const area = $("fixed");
    let ok = false;
    if (navigator.clipboard && window.isSecureContext) {
      try { await navigator.clipboard.writeText(area.value); ok = true; } catch (err) { ok = false; }
    }
    if (!ok) {
      area.focus();
      area.select();
      try { ok = document.execCommand("copy"); } catch (err) { ok = false; }
    }
    $("copied").textContent = ok ? "Copied." : "Selected: press Ctrl+C (⌘C) to copy.";
  }

  document.addEventListener("DOMContentLoaded", () => {
    window.EnrichDesk.init({el, listing, openTag: openFrom("tag-", openPanel),
                            openCompany: openFrom("company-", openCompanyPanel)});
    $("form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("text").value;
      if (!text.trim()) { showMessage("Paste an article first.", "info"); return; }
      if (!$("key-box").hidden) storeKey($("key").value.trim());
      enrich(text);
    });
    $("forget-key").addEventListener("click", () => {
      storeKey("");
      $("key").value = "";
      $("key").focus();
      showMessage("The key is forgotten: this tab sends none now.", "info");
    });
    if (storedKey()) {
      $("key").value = storedKey();
      $("key-box").hidden = false;
    }
    $("apply").addEventListener("click", () => {
      if (!current) return;
      // "Apply fixes" also adds the suggested tags when the result was asked for with names (the button says so).
      const edits = current.mentions.map((m) => m.fix).concat((current.companies || []).map((c) => c.suggestion));
      $("fixed").value = applyFixes(current.text, edits);
      $("copied").textContent = "";
      $("fixed-box").hidden = false;
      $("fixed").focus();
    });
    $("copy").addEventListener("click", copyFixed);
    const params = new URLSearchParams(window.location.search);
    if (params.get("names") === "1") $("names").checked = true;
    const shared = params.get("text");
    if (shared) {
      $("text").value = shared;
      enrich(shared);
    }
  });
})();
