// Helpers shared by the runs list and a run's page.
"use strict";

const $ = (selector) => document.querySelector(selector);

// el builds an element: el("td", {class: "num"}, "0.98").
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

// getJSON fetches url and returns {status, data}; data is null on 304 or
// when the body is not JSON. The browser revalidates with the ETag.
async function getJSON(url) {
  const res = await fetch(url, { cache: "no-cache" });
  let data = null;
  try { data = await res.json(); } catch (e) { /* 304 or empty */ }
  return { status: res.status, ok: res.ok, data };
}

function fmtAcc(x) { return x === undefined || x === null ? "–" : x.toFixed(4); }
function fmtNum(x, digits) { return x === undefined || x === null ? "–" : Number(x).toFixed(digits); }

// fmtAgo says how long ago an RFC 3339 time was.
function fmtAgo(t) {
  const d = (Date.now() - new Date(t).getTime()) / 1000;
  if (!isFinite(d) || new Date(t).getFullYear() < 2000) return "–";
  if (d < 60) return Math.max(0, Math.round(d)) + " s ago";
  if (d < 3600) return Math.round(d / 60) + " min ago";
  if (d < 86400) return Math.round(d / 3600) + " h ago";
  return new Date(t).toLocaleString();
}

// badge is a run's status ("stopped early" gets the class stopped-early).
function badge(status) { return el("span", { class: "badge " + status.replace(/ /g, "-"), text: status }); }

// runURL is the page or API address of a run.
function runURL(prefix, name, suffix) { return prefix + encodeURIComponent(name) + (suffix || ""); }

// poll calls fn now and then every ms milliseconds, after each call ends.
function poll(fn, ms) {
  const tick = async () => {
    try { await fn(); } catch (e) { console.warn(e); }
    setTimeout(tick, typeof ms === "function" ? ms() : ms);
  };
  tick();
}
