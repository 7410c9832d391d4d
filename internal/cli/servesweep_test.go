package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/neurona/neurona/internal/serve"
	"github.com/neurona/neurona/internal/sweep"
)

// TestServeReadsTheSweepsSweepWrites makes a sweep with internal/sweep,
// which writes sweep.json, and reads its leaderboard through
// internal/serve, which reads sweep.json with its own reader (the two are
// on one layer and may not import each other): the ranking, the settings
// and the links to the trials' runs must come through.
func TestServeReadsTheSweepsSweepWrites(t *testing.T) {
	dir := t.TempDir()
	args := []string{"--lr", "0.1,0.01,0.001"}
	spec, err := sweep.ParseArgs(args, sweep.Flags{Known: func(string) bool { return true }}, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	sw, err := sweep.Create(filepath.Join(dir, "sw"), spec, args, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for i, acc := range []float64{0.91, 0.95} {
		sw.Trials[i].Result = sweep.Result{Status: sweep.Finished, ValAccuracy: &acc, Epochs: 2}
		run := sw.TrialDir(sw.Trials[i].Trial)
		if err := os.Mkdir(run, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(run, "metrics.jsonl"), []byte(`{"epoch":1,"train_loss":1}`+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := sw.Save(); err != nil {
		t.Fatal(err)
	}
	s, err := serve.New(serve.Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs := httptest.NewServer(s)
	defer hs.Close()
	res, err := hs.Client().Get(hs.URL + "/api/sweeps/sw")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got serve.Sweep
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, %v", res.StatusCode, err)
	}
	want := sw.Ranked()
	if len(got.Trials) != len(want) {
		t.Fatalf("%d trials, want %d", len(got.Trials), len(want))
	}
	for i, w := range want {
		g := got.Trials[i]
		wantRun := ""
		if w.Result.Status == sweep.Finished {
			wantRun = "sw/" + w.Name
		}
		if g.Name != w.Name || g.Status != w.Result.Status || g.Settings["lr"] != w.Settings["lr"] || g.Run != wantRun {
			t.Errorf("rank %d: %s %s lr %s run %q, want %s %s lr %s run %q", i+1, g.Name, g.Status, g.Settings["lr"], g.Run,
				w.Name, w.Result.Status, w.Settings["lr"], wantRun)
		}
	}
}
