// The page at /: paste an article, POST it to /v1/enrich, mark every tag up. Article text only ever goes through
// textContent (never parsed as HTML). Spans from the service count Python code points; JS strings count UTF-16 units.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const SHARE_LIMIT = 2000; // longer texts are not put in the URL
  const STATUS_TEXT = {
    valid: "valid: listed on the claimed venue",
    corrected: "corrected: the tag is wrong and one fix is well supported",
    unverified: "unverified: nothing loaded can confirm or refute it",
    unknown: "unknown: the venue is covered and the symbol isn't there",
    ambiguous: "ambiguous: several fixes are about equally supported",
  };
  let current = null; // {text, mentions}

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

  async function enrich(text) {
    showMessage("");
    const button = $("check");
    button.disabled = true;
    button.textContent = "Checking…";
    try {
      let response;
      try {
        response = await fetch("v1/enrich", {
          method: "POST", headers: {"Content-Type": "application/json", "Accept": "application/json"},
          body: JSON.stringify({text: text, prices: $("prices").checked}),
        });
      } catch (err) {
        showMessage("The service could not be reached: " + err.message);
        return;
      }
      let body = null;
      try { body = await response.json(); } catch (err) { body = null; }
      if (!response.ok) {
        const message = body && body.error && body.error.message ? body.error.message : response.statusText;
        if (response.status === 429) {
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
      current = {text: text, mentions: body.mentions, meta: body.meta || {}};
      render();
      updateUrl(text);
    } finally {
      button.disabled = false;
      button.textContent = "Check tags";
    }
  }

  function updateUrl(text) {
    const url = new URL(window.location.href);
    if (text.length < SHARE_LIMIT) url.searchParams.set("text", text); else url.searchParams.delete("text");
    window.history.replaceState(null, "", url.toString());
  }

  function render() {
    const {text, mentions} = current;
    const utf16 = codePointOffsets(text);
    const marked = $("marked");
    marked.replaceChildren();
    $("panel").hidden = true;
    $("fixed-box").hidden = true;
    const sorted = mentions.map((m, i) => ({m, i})).sort((a, b) => a.m.span[0] - b.m.span[0] || a.i - b.i);
    let at = 0; // UTF-16 offset written so far
    sorted.forEach(({m, i}) => {
      const start = utf16[m.span[0]], end = utf16[m.span[1]];
      if (start === undefined || end === undefined || start < at) return; // out of range or overlapping: skip
      if (start > at) marked.append(text.slice(at, start));
      const label = (m.claimed ? m.claimed.exchange + ": " + m.claimed.symbol : m.text) + ", " + m.status;
      const mark = el("button", {type: "button", class: "mark " + m.status, "data-index": String(i),
                                 "data-status": m.status, "aria-expanded": "false", "aria-controls": "panel",
                                 "aria-label": label, title: STATUS_TEXT[m.status] || m.status});
      mark.textContent = text.slice(start, end);
      mark.addEventListener("click", () => openPanel(i, mark));
      marked.append(mark);
      at = end;
    });
    if (at < text.length) marked.append(text.slice(at));
    const counts = {};
    mentions.forEach((m) => { counts[m.status] = (counts[m.status] || 0) + 1; });
    const parts = Object.entries(counts).map(([k, v]) => v + " " + k);
    $("summary").textContent = mentions.length
      ? mentions.length + (mentions.length === 1 ? " tag: " : " tags: ") + parts.join(", ") +
        ". Select a tag to see why."
      : "No ticker tags found.";
    $("apply").disabled = !mentions.some((m) => m.fix);
    $("result").hidden = false;
  }

  function listing(r) {
    return [r.exchange, r.symbol].filter(Boolean).join(": ");
  }

  function openPanel(index, mark) {
    const m = current.mentions[index];
    document.querySelectorAll(".mark[aria-expanded=true]").forEach((b) => b.setAttribute("aria-expanded", "false"));
    mark.setAttribute("aria-expanded", "true");
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
      const list = el("ul", {class: "evidence"});
      m.evidence.forEach((e) => list.append(el("li", {}, e.source + (e.as_of ? " (" + e.as_of + ")" : "") + ": " + (e.finding || ""))));
      panel.append(list);
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

  // The fixed text: each distinct fix once, applied right to left on code points; overlapping fixes are skipped.
  function applyFixes(text, mentions) {
    const seen = new Set();
    const fixes = [];
    mentions.forEach((m) => {
      if (!m.fix || !Array.isArray(m.fix.span)) return;
      const key = m.fix.span[0] + ":" + m.fix.span[1] + ":" + m.fix.text;
      if (!seen.has(key)) { seen.add(key); fixes.push(m.fix); }
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
    $("form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("text").value;
      if (!text.trim()) { showMessage("Paste an article first.", "info"); return; }
      enrich(text);
    });
    $("apply").addEventListener("click", () => {
      if (!current) return;
      $("fixed").value = applyFixes(current.text, current.mentions);
      $("copied").textContent = "";
      $("fixed-box").hidden = false;
      $("fixed").focus();
    });
    $("copy").addEventListener("click", copyFixed);
    const shared = new URLSearchParams(window.location.search).get("text");
    if (shared) {
      $("text").value = shared;
      enrich(shared);
    }
  });
})();
