// A sweep's page: its leaderboard (GET /api/sweeps/{sweep} every 2 s, as
// trials finish), each trial linked to its run's page.
"use strict";

const sweepName = decodeURIComponent(location.pathname.slice("/sweeps/".length));
document.title = sweepName + " · neurona sweep";
$("#sweep-name").textContent = sweepName;

async function refreshSweep() {
  const { ok, status, data } = await getJSON(runURL("/api/sweeps/", sweepName));
  const problem = $("#problem");
  if (!ok || !data) {
    problem.hidden = false;
    problem.textContent = (data && data.error) || "The server did not answer (status " + status + ").";
    return;
  }
  problem.hidden = true;
  const finished = data.trials.filter((t) => t.status === "finished").length;
  $("#summary").textContent = finished + " of " + data.trials.length + " trials finished";
  $("#args").textContent = "neurona sweep " + (data.args || []).join(" ");
  const swept = data.swept || [];
  $("#board thead").replaceChildren(el("tr", {},
    el("th", { class: "num", text: "rank" }), el("th", { text: "trial" }),
    ...swept.map((f) => el("th", { text: f })),
    el("th", { text: "status" }), el("th", { class: "num", text: "best val acc" }), el("th", { class: "num", text: "test acc" }),
    el("th", { class: "num", text: "epochs" }), el("th", { class: "num", text: "train time" }), el("th", { text: "stopped" })));
  $("#board tbody").replaceChildren(...data.trials.map((t) => el("tr", { "data-trial": t.name, "data-status": t.status },
    el("td", { class: "num", text: String(t.rank) }),
    el("td", {}, t.run ? el("a", { href: runURL("/runs/", t.run), text: t.name }) : t.name),
    ...swept.map((f) => el("td", { text: (t.settings || {})[f] || (f === "hidden" ? "none" : "–") })),
    el("td", {}, badge(t.status)),
    el("td", { class: "num", text: fmtAcc(t.val_accuracy) }),
    el("td", { class: "num", text: fmtAcc(t.test_accuracy) }),
    el("td", { class: "num", text: String(t.epochs) }),
    el("td", { class: "num", text: fmtNum(t.train_seconds, 1) + " s" }),
    el("td", { text: t.error || t.stopped_because || "" }))));
  document.body.dataset.trials = String(data.trials.length);
}

poll(refreshSweep, 2000);
