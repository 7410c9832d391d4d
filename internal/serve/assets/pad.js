// The drawing pad: pointer events draw on a canvas (mouse, pen or touch);
// while drawing, its PNG goes to POST /api/runs/{run}/predict, at most one
// request at a time, and the prediction and each class's output are shown
// as bars. The pad's data-state is "busy" while a drawing awaits its
// prediction and "idle" once the prediction shown is of the canvas as it is.
"use strict";

const INK = 22;          // stroke width in canvas pixels: MNIST's strokes are ~2 of 20 pixels
const MIN_INTERVAL = 80; // ms between predictions while drawing

function makePad(predictURL) {
  const canvas = $("#pad");
  const ctx = canvas.getContext("2d");
  const scale = window.devicePixelRatio || 1;
  canvas.width = 280 * scale;
  canvas.height = 280 * scale;
  ctx.scale(scale, scale);
  let enabled = false, drawing = false, drawn = false, last = null;
  let inflight = false, dirty = false, lastSent = 0, seq = 0;

  function blank() {
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, 280, 280);
    drawn = false;
  }
  function pos(e) {
    const r = canvas.getBoundingClientRect();
    return { x: (e.clientX - r.left) * (280 / r.width), y: (e.clientY - r.top) * (280 / r.height) };
  }
  function stroke(a, b) {
    ctx.strokeStyle = "#000";
    ctx.lineWidth = INK;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
  }
  function setState(s) { canvas.dataset.state = s; }

  function schedule() {
    dirty = true;
    setState("busy");
    if (!inflight) setTimeout(send, Math.max(0, MIN_INTERVAL - (Date.now() - lastSent)));
  }
  async function send() {
    if (inflight) return;
    if (!dirty || !drawn) { setState("idle"); return; }
    dirty = false;
    inflight = true;
    lastSent = Date.now();
    try {
      const png = await new Promise((resolve) => canvas.toBlob(resolve, "image/png"));
      const res = await fetch(predictURL, { method: "POST", headers: { "Content-Type": "image/png" }, body: png });
      const body = await res.json();
      if (drawn) { if (res.ok) show(body); else showError(body.error || res.statusText); }
    } catch (e) {
      showError("the server did not answer (" + e + ")");
    }
    inflight = false;
    if (dirty) setTimeout(send, Math.max(0, MIN_INTERVAL - (Date.now() - lastSent)));
    else setState("idle");
  }

  function show(p) {
    const guess = $("#guess");
    guess.textContent = p.class_name;
    guess.dataset.class = p.class_name;
    guess.dataset.seq = String(++seq);
    const what = { softmax: "probability", sigmoid: "sigmoid output", clipped: "clipped output", step: "step output" }[p.outputs] || p.outputs;
    $("#guess-note").textContent = (p.outputs === "step" ? "" : (100 * p.confidence).toFixed(1) + "% " + what + "; ") +
      "checkpoint " + p.checkpoint + " (epoch " + p.epoch + ")";
    let order = p.probabilities.map((v, i) => i);
    if (order.length > 16) order = order.sort((a, b) => p.probabilities[b] - p.probabilities[a]).slice(0, 10);
    $("#bars").replaceChildren(...order.flatMap((i) => {
      const v = p.probabilities[i];
      const fill = el("div", { class: "fill" + (i === p.class ? " top" : "") });
      fill.style.width = (100 * Math.min(Math.max(v, 0), 1)).toFixed(1) + "%";
      return [el("div", { class: "label", text: p.classes[i] }), el("div", { class: "track", "data-class": p.classes[i] }, fill),
        el("div", { class: "value", text: v.toFixed(3) })];
    }));
    const seen = $("#seen").getContext("2d");
    const img = seen.createImageData(28, 28);
    for (let i = 0; i < 784; i++) {
      img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = p.input[i];
      img.data[4 * i + 3] = 255;
    }
    seen.putImageData(img, 0, 0);
    $("#seen-box").hidden = false;
  }
  function showError(msg) {
    const guess = $("#guess");
    guess.textContent = "?";
    guess.dataset.class = "";
    $("#guess-note").textContent = msg;
  }
  function clear() {
    blank();
    dirty = false;
    const guess = $("#guess");
    guess.textContent = "";
    guess.dataset.class = "";
    $("#guess-note").textContent = enabled ? "Draw a digit on the pad." : "";
    $("#bars").replaceChildren();
    $("#seen").getContext("2d").clearRect(0, 0, 28, 28);
    $("#seen-box").hidden = true;
    setState("idle");
  }

  canvas.addEventListener("pointerdown", (e) => {
    if (!enabled) return;
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    drawing = true;
    last = pos(e);
    stroke(last, last);
    drawn = true;
    schedule();
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!drawing) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ev of events.length ? events : [e]) {
      const p = pos(ev);
      stroke(last, p);
      last = p;
    }
    schedule();
  });
  for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) {
    canvas.addEventListener(type, () => { drawing = false; });
  }
  $("#clear").addEventListener("click", clear);
  clear();

  return {
    // enable turns the pad on, or off with the reason shown.
    enable(on, why) {
      if (on === enabled && canvas.dataset.ready) return;
      enabled = on;
      canvas.dataset.ready = "1";
      canvas.dataset.enabled = on ? "1" : "0";
      canvas.classList.toggle("off", !on);
      $("#pad-note").textContent = on ? "Draw with the mouse, a pen or a finger." : why;
      if (on && !drawn) $("#guess-note").textContent = "Draw a digit on the pad.";
      if (on && drawn) schedule(); // the model changed: predict the drawing again
    },
    // refresh predicts the drawing again (a new checkpoint was saved).
    refresh() { if (enabled && drawn) schedule(); },
  };
}
