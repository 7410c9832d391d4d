// Learning curves drawn as inline SVG: one chart per quantity, training
// (solid) against validation (dashed), one point per epoch, and the step
// lines of metrics.jsonl (kind "step") as a thin line under the epoch points.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs) {
  const e = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

// niceTicks returns about n round values covering [lo, hi].
function niceTicks(lo, hi, n) {
  const span = hi - lo || 1;
  const raw = span / n;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toFixed(10));
  return ticks;
}

// drawChart draws series [{key, label, cls}] of epochs (metrics.jsonl's
// epoch lines) into svg, and opts.steps [{key, label, cls}] of opts.stepLines
// (its step lines, placed by their "epochs" field) as thin lines under
// them; it records the number of epochs in data-points and of step points
// in data-step-points. With opts.stepsOnly the chart needs no epoch.
function drawChart(svg, epochs, title, series, opts) {
  const W = 520, H = 290, L = 58, R = 16, T = 30, B = 40;
  opts = opts || {};
  const stepLines = opts.stepLines || [], stepSeries = opts.steps || [];
  svg.replaceChildren();
  svg.dataset.points = String(epochs.length);
  svg.append(svgEl("text", { x: L, y: 18, class: "title" }));
  svg.lastChild.textContent = title;
  const values = [], stepValues = [];
  for (const s of series) for (const e of epochs) if (typeof e[s.key] === "number") values.push(e[s.key]);
  for (const s of stepSeries) for (const e of stepLines) if (typeof e[s.key] === "number") stepValues.push(e[s.key]);
  svg.dataset.stepPoints = String(stepValues.length);
  if ((epochs.length === 0 || values.length === 0) && !(opts.stepsOnly && stepValues.length > 0)) {
    const t = svgEl("text", { x: W / 2, y: H / 2, "text-anchor": "middle" });
    t.textContent = opts.stepsOnly ? "no step line yet" : "no epoch has ended yet";
    svg.append(t);
    return;
  }
  if (opts.stepsOnly) values.push(...stepValues);
  else if (values.length > 0 && stepValues.length > 0) {
    // The first steps' loss can dwarf the epochs': the axis stops at twice
    // the highest epoch point and the step line is clipped there.
    const top = 2 * Math.max(...values);
    values.push(...stepValues.filter((v) => v <= top));
  }
  let lo = Math.min(...values), hi = Math.max(...values);
  if (opts && opts.zero) lo = Math.min(lo, 0);
  if (opts && opts.max !== undefined) hi = Math.min(Math.max(hi, lo + 1e-6), opts.max);
  if (hi - lo < 1e-9) { lo -= 0.5; hi += 0.5; }
  const pad = (hi - lo) * 0.06;
  lo -= pad; hi += pad;
  const xsAll = epochs.map((e) => e.epoch).concat(stepLines.map((e) => e.epochs));
  const n = Math.max(...xsAll);
  const x0 = stepLines.length > 0 ? Math.floor(Math.min(...xsAll)) : Math.min(...xsAll);
  const xs = (ep) => L + (n === x0 ? (W - L - R) / 2 : ((ep - x0) / (n - x0)) * (W - L - R));
  const ys = (v) => T + (1 - (v - lo) / (hi - lo)) * (H - T - B);
  for (const v of niceTicks(lo, hi, 5)) {
    svg.append(svgEl("line", { x1: L, x2: W - R, y1: ys(v), y2: ys(v), class: "grid" }));
    const t = svgEl("text", { x: L - 6, y: ys(v) + 4, "text-anchor": "end" });
    t.textContent = v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(1) : String(+v.toFixed(4));
    svg.append(t);
  }
  const xt = niceTicks(x0, n, Math.min(8, Math.max(1, n - x0))).filter((v) => Number.isInteger(v));
  for (const v of xt) {
    const t = svgEl("text", { x: xs(v), y: H - B + 16, "text-anchor": "middle" });
    t.textContent = String(v);
    svg.append(t);
  }
  const xl = svgEl("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" });
  xl.textContent = "epoch";
  svg.append(xl);
  svg.append(svgEl("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }));
  svg.append(svgEl("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
  const clip = "clip-" + svg.id;
  const cp = svgEl("clipPath", { id: clip });
  cp.append(svgEl("rect", { x: L, y: T, width: W - L - R, height: H - T - B }));
  svg.append(cp);
  let lx = W - R - 95 * (series.length + stepSeries.length);
  for (const s of stepSeries) {
    const pts = stepLines.filter((e) => typeof e[s.key] === "number");
    if (pts.length === 0) continue;
    const d = pts.map((e, i) => (i ? "L" : "M") + xs(e.epochs).toFixed(1) + "," + ys(e[s.key]).toFixed(1)).join(" ");
    svg.append(svgEl("path", { d, class: s.cls, "data-series": s.key, "clip-path": "url(#" + clip + ")" }));
    svg.append(svgEl("line", { x1: lx, x2: lx + 22, y1: 14, y2: 14, class: s.cls }));
    const t = svgEl("text", { x: lx + 27, y: 18 });
    t.textContent = s.label;
    svg.append(t);
    lx += 95;
  }
  for (const s of series) {
    const pts = epochs.filter((e) => typeof e[s.key] === "number");
    if (pts.length === 0) continue;
    const d = pts.map((e, i) => (i ? "L" : "M") + xs(e.epoch).toFixed(1) + "," + ys(e[s.key]).toFixed(1)).join(" ");
    svg.append(svgEl("path", { d, class: s.cls, "data-series": s.key }));
    for (const e of pts) svg.append(svgEl("circle", { cx: xs(e.epoch), cy: ys(e[s.key]), r: 3, class: s.cls }));
    svg.append(svgEl("line", { x1: lx, x2: lx + 22, y1: 14, y2: 14, class: s.cls }));
    const t = svgEl("text", { x: lx + 27, y: 18 });
    t.textContent = s.label;
    svg.append(t);
    lx += 95;
  }
}

// drawCurves draws the loss and accuracy charts of a run's epochs, with
// the training loss of its step lines, and the learning rate of its step
// lines.
function drawCurves(epochs, steps) {
  steps = steps || [];
  drawChart($("#loss-chart"), epochs, "Loss", [
    { key: "train_loss", label: "training", cls: "train" },
    { key: "val_loss", label: "validation", cls: "val" },
  ], { zero: true, stepLines: steps, steps: [{ key: "train_loss", label: "per step", cls: "step" }] });
  drawChart($("#lr-chart"), [], "Learning rate", [],
    { zero: true, stepsOnly: true, stepLines: steps, steps: [{ key: "lr", label: "per step", cls: "lr" }] });
  drawChart($("#acc-chart"), epochs, "Accuracy", [
    { key: "train_accuracy", label: "training", cls: "train" },
    { key: "val_accuracy", label: "validation", cls: "val" },
  ], { max: 1 });
}
