// A run's page: its summary and configuration (GET /api/runs/{run} every
// 2 s), its curves (GET .../metrics every second, 304 until an epoch
// ends), its test results once it has them, and the drawing pad.
"use strict";

const runName = decodeURIComponent(location.pathname.slice("/runs/".length));
const api = runURL("/api/runs/", runName);
const pad = makePad(api + "/predict");
let lastRun = null, lastMetrics = "", evalKey = "";

document.title = runName + " · neurona";
$("#run-name").textContent = runName;
if (runName.includes("/")) { // a sweep's trial: a way back to its leaderboard
  const sweep = runName.slice(0, runName.indexOf("/"));
  $("#run-name").after(el("a", { href: runURL("/sweeps/", sweep), text: "sweep " + sweep }));
}

function stat(label, value) { return el("div", {}, el("dt", { text: label }), el("dd", { text: value })); }

function showStats(run, epochs) {
  const s = run.summary;
  const items = [stat("status", run.status + (run.stopped_because ? ": " + run.stopped_because : ""))];
  items.push(stat("epochs", String(run.epochs) + (run.config ? " of " + run.config.epochs : "")));
  if (run.best_val_accuracy !== undefined) items.push(stat("best validation accuracy", fmtAcc(run.best_val_accuracy) + (s && s.best_epoch ? " (epoch " + s.best_epoch + ")" : "")));
  if (s && s.test_accuracy !== undefined) items.push(stat("test accuracy", fmtAcc(s.test_accuracy) + (s.evaluated_epoch ? " (epoch " + s.evaluated_epoch + ")" : "")));
  if (s && s.test_loss !== undefined) items.push(stat("test loss", fmtNum(s.test_loss, 4)));
  const last = epochs[epochs.length - 1];
  if (last) {
    items.push(stat("last training loss / accuracy", fmtNum(last.train_loss, 4) + " / " + fmtAcc(last.train_accuracy)));
    items.push(stat("examples per second", Math.round(last.examples_per_second).toLocaleString()));
    items.push(stat("elapsed", fmtNum(last.elapsed_seconds, 1) + " s"));
  }
  if (s) {
    items.push(stat("backend", s.backend));
    items.push(stat("parameters", Number(s.parameters).toLocaleString()));
    items.push(stat("wall time", fmtNum(s.wall_seconds, 1) + " s"));
    items.push(stat("started", new Date(s.started_at).toLocaleString()));
  }
  $("#stats").replaceChildren(...items);
}

// flatten lists a configuration as [key, value] rows ("model.hidden", "128").
function flatten(obj, prefix, rows) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? prefix + "." + k : k;
    if (v && typeof v === "object" && !Array.isArray(v)) flatten(v, key, rows);
    else rows.push([key, Array.isArray(v) ? v.join(",") : String(v)]);
  }
  return rows;
}

function showConfig(config) {
  const box = $("#config-box");
  box.hidden = !config;
  if (!config) return;
  $("#config").replaceChildren(...flatten(config, "", []).map(([k, v]) => el("tr", {}, el("td", { text: k }), el("td", { text: v }))));
}

function showPictures(pics) {
  const captions = {
    "confusion.png": "confusion matrix: rows the true class, columns the prediction; recall per row, precision per column",
    "misclassified.png": "test images the model got wrong, most confident mistakes first",
    "curves.png": "curves.png, as train drew it",
  };
  const box = $("#pictures");
  for (const [name, url] of Object.entries(pics)) {
    let fig = box.querySelector('figure[data-name="' + name + '"]');
    if (!fig) {
      fig = el("figure", { "data-name": name }, el("img", { alt: name }), el("figcaption", { text: captions[name] || name }));
      box.append(fig);
    }
    const img = fig.querySelector("img");
    if (img.getAttribute("src") !== url) img.src = url;
  }
}

async function showEvaluation(run) {
  const key = run.summary ? run.summary.last_checkpoint + "@" + run.updated : "";
  if (!run.summary || key === evalKey) return;
  evalKey = key;
  $("#eval-note").textContent = "Evaluating the test set for per-class precision and recall…";
  const { ok, data } = await getJSON(api + "/evaluation");
  if (!ok) {
    $("#eval-note").textContent = "Per-class precision and recall: " + ((data && data.error) || "not available");
    return;
  }
  $("#eval-note").textContent = data.examples.toLocaleString() + " test images, checkpoint " + data.checkpoint +
    " (epoch " + data.epoch + "): accuracy " + fmtAcc(data.accuracy) + ", loss " + fmtNum(data.loss, 4) + ". The three lowest values are in red.";
  const lowest = (xs) => [...xs].sort((a, b) => a - b)[Math.min(2, xs.length - 1)];
  const lp = lowest(data.precision), lr = lowest(data.recall);
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const rows = data.classes.map((c, i) => el("tr", { "data-class": c },
    el("td", { text: c }),
    el("td", { class: "num" + (data.precision[i] <= lp ? " low" : ""), text: fmtAcc(data.precision[i]) }),
    el("td", { class: "num" + (data.recall[i] <= lr ? " low" : ""), text: fmtAcc(data.recall[i]) }),
    el("td", { class: "num", text: String(data.support[i]) })));
  rows.push(el("tr", {}, el("td", { text: "mean" }), el("td", { class: "num", text: fmtAcc(mean(data.precision)) }),
    el("td", { class: "num", text: fmtAcc(mean(data.recall)) }), el("td", { class: "num", text: String(data.examples) })));
  $("#classes").replaceChildren(el("thead", {}, el("tr", {}, el("th", { text: "class" }), el("th", { class: "num", text: "precision" }),
    el("th", { class: "num", text: "recall" }), el("th", { class: "num", text: "images" }))), el("tbody", {}, ...rows));
}

async function refreshRun() {
  const { ok, status, data } = await getJSON(api);
  const problem = $("#problem");
  if (!ok || !data) {
    problem.hidden = false;
    problem.textContent = (data && data.error) || "The server did not answer (status " + status + ").";
    return;
  }
  problem.hidden = !data.problem;
  problem.textContent = data.problem || "";
  $("#status").replaceChildren(badge(data.status));
  document.body.dataset.status = data.status;
  $("#model").textContent = data.model || "";
  showConfig(data.config);
  pad.enable(data.drawable, data.not_drawable || "");
  const changed = lastRun && (lastRun.epochs !== data.epochs || lastRun.updated !== data.updated);
  if (changed) pad.refresh();
  lastRun = data;
  showStats(data, currentEpochs);
  const hasResults = Object.keys(data.pictures).length > 0 || !!data.summary;
  $("#results").hidden = !hasResults;
  showPictures(data.pictures);
  await showEvaluation(data);
}

let currentEpochs = [];
async function refreshMetrics() {
  const res = await fetch(api + "/metrics", { cache: "no-cache" });
  if (!res.ok) return;
  const text = await res.text();
  if (text === lastMetrics) return;
  lastMetrics = text;
  const m = JSON.parse(text);
  currentEpochs = m.epochs;
  drawCurves(currentEpochs, m.steps || []);
  if (lastRun) showStats(lastRun, currentEpochs);
}

// The page is never reloaded; tests check that this stays the same.
window.neuronaPageID = Math.random().toString(36).slice(2);
drawCurves([]);
poll(refreshMetrics, 1000);
poll(refreshRun, 2000);
