// The runs list: GET /api/runs every 2 s, as runs start and finish; the
// sweeps above it, each linking to its leaderboard, and their trials' runs
// among the runs ("SWEEP/TRIAL").
"use strict";

async function refresh() {
  const { ok, data } = await getJSON("/api/runs");
  const problem = $("#problem");
  if (!ok || !data) {
    problem.hidden = false;
    problem.textContent = "The server did not answer: " + ((data && data.error) || "is neurona serve still running?");
    return;
  }
  problem.hidden = true;
  $("#dir").textContent = "runs in " + data.dir;
  const body = $("#runs tbody");
  body.replaceChildren(...data.runs.map((r) => el("tr", { "data-run": r.name, "data-status": r.status },
    el("td", {}, el("a", { href: runURL("/runs/", r.name), text: r.name })),
    el("td", {}, badge(r.status)),
    el("td", { text: r.model || "–", title: r.problem || "" }),
    el("td", { class: "num", text: String(r.epochs) }),
    el("td", { class: "num", text: fmtAcc(r.best_val_accuracy) }),
    el("td", { class: "num", text: fmtAcc(r.test_accuracy) }),
    el("td", { text: fmtAgo(r.updated), title: r.stopped_because || "" }))));
  const sweeps = data.sweeps || [];
  $("#sweeps").hidden = sweeps.length === 0;
  $("#sweeps tbody").replaceChildren(...sweeps.map((s) => el("tr", { "data-sweep": s.name },
    el("td", {}, el("a", { href: runURL("/sweeps/", s.name), text: s.name })),
    el("td", { class: "num", text: String(s.trials) }),
    el("td", { class: "num", text: String(s.finished) }),
    el("td", { class: "num", text: fmtAcc(s.best_val_accuracy) }),
    el("td", { text: fmtAgo(s.updated) }))));
  const empty = $("#empty");
  empty.hidden = data.runs.length > 0;
  empty.textContent = "No runs in " + data.dir + " yet: start one with neurona train --run-dir " + data.dir + "/NAME, and it appears here.";
  document.body.dataset.runs = String(data.runs.length);
}

poll(refresh, 2000);
