package serve

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sweepJSON is a sweep.json as internal/sweep writes it (which the server
// may not import, being on its layer; internal/cli's
// TestServeReadsTheSweepsSweepWrites checks the two agree): three trials
// of --lr, trial 1 finished with validation accuracy 0.91, trial 2 with
// 0.95, trial 3 pending.
const sweepJSON = `{"version": 1, "args": ["--lr", "0.1,0.01,0.001"], "spec": {"params": [], "seed": 1}, "swept": ["lr"],
 "created": "2026-01-02T03:04:05Z", "trials": [
 {"name": "trial-001", "args": ["--lr=0.1"], "settings": {"lr": "0.1"}, "result": {"status": "finished", "val_accuracy": 0.91, "test_accuracy": 0.9, "epochs": 2}},
 {"name": "trial-002", "args": ["--lr=0.01"], "settings": {"lr": "0.01"}, "result": {"status": "finished", "val_accuracy": 0.95, "test_accuracy": 0.94, "epochs": 2}},
 {"name": "trial-003", "args": ["--lr=0.001"], "settings": {"lr": "0.001"}, "result": {"status": "pending"}}]}`

// sweepDir makes a folder served with a plain run and the sweep sweepJSON
// describes, whose finished trials have run folders and whose pending one
// has none yet. It also makes a symbolic link to the sweep.
func sweepDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, run := range []string{"plain", "sw/trial-001", "sw/trial-002"} {
		if err := os.MkdirAll(filepath.Join(dir, run), 0o755); err != nil {
			t.Fatal(err)
		}
		writeMetrics(t, filepath.Join(dir, run), 1, 2)
	}
	if err := os.WriteFile(filepath.Join(dir, "sw", sweepFile), []byte(sweepJSON), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "sw"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestServeShowsSweeps(t *testing.T) {
	_, hs := newServer(t, sweepDir(t))
	t.Run("the list holds the sweep and its trials' runs", func(t *testing.T) {
		var list RunList
		if code := get(t, hs, "/api/runs", &list); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		var names []string
		for _, r := range list.Runs {
			names = append(names, r.Name)
		}
		if got := strings.Join(names, " "); !strings.Contains(got, "plain") || !strings.Contains(got, "sw/trial-001") ||
			!strings.Contains(got, "sw/trial-002") || len(names) != 3 {
			t.Errorf("runs %q, want plain, sw/trial-001 and sw/trial-002", got)
		}
		if len(list.Sweeps) != 1 || list.Sweeps[0].Name != "sw" || list.Sweeps[0].Trials != 3 || list.Sweeps[0].Finished != 2 ||
			*list.Sweeps[0].BestValAccuracy != 0.95 {
			t.Errorf("sweeps %+v, want sw with 3 trials, 2 finished, best 0.95", list.Sweeps)
		}
	})
	t.Run("the sweep's leaderboard ranks its trials and links their runs", func(t *testing.T) {
		var sw Sweep
		if code := get(t, hs, "/api/sweeps/sw", &sw); code != http.StatusOK {
			t.Fatalf("status %d", code)
		}
		want := []struct{ name, run string }{{"trial-002", "sw/trial-002"}, {"trial-001", "sw/trial-001"}, {"trial-003", ""}}
		if len(sw.Trials) != len(want) {
			t.Fatalf("%d trials, want %d", len(sw.Trials), len(want))
		}
		for i, w := range want {
			if got := sw.Trials[i]; got.Name != w.name || got.Run != w.run || got.Rank != i+1 {
				t.Errorf("rank %d: %s (run %q, rank %d), want %s (run %q)", i+1, got.Name, got.Run, got.Rank, w.name, w.run)
			}
		}
		if len(sw.Swept) != 1 || sw.Swept[0] != "lr" || sw.Trials[0].Settings["lr"] != "0.01" {
			t.Errorf("swept %v, the best trial's settings %v; want lr 0.01", sw.Swept, sw.Trials[0].Settings)
		}
	})
	t.Run("a trial's run answers as any run", func(t *testing.T) {
		var m Metrics
		if code := get(t, hs, "/api/runs/sw%2Ftrial-002/metrics", &m); code != http.StatusOK || len(m.Epochs) != 2 {
			t.Errorf("status %d, %d epochs; want 200 and 2", code, len(m.Epochs))
		}
		var r Run
		if code := get(t, hs, "/api/runs/sw%2Ftrial-002", &r); code != http.StatusOK || r.Name != "sw/trial-002" {
			t.Errorf("status %d, name %q; want 200 and sw/trial-002", code, r.Name)
		}
	})
	for _, tc := range []struct {
		name, path string
		code       int
		want       string // in the body (a page), or the Location of a redirect
	}{
		{"the sweep's page is a page", "/sweeps/sw", http.StatusOK, "<title>neurona sweep</title>"},
		{"a trial's run page is a page", "/runs/sw%2Ftrial-001", http.StatusOK, "<title>neurona run</title>"},
		{"opening the sweep as a run goes to its page", "/runs/sw", http.StatusFound, "/sweeps/sw"},
		{"a folder that is no sweep is not found", "/api/sweeps/plain", http.StatusNotFound, "no such sweep"},
		{"a missing sweep is not found", "/api/sweeps/nothing", http.StatusNotFound, "no such sweep"},
		{"a symbolic link to a sweep is not followed", "/api/sweeps/link", http.StatusNotFound, "no such sweep"},
		{"a trial of a folder that is no sweep is not found", "/api/runs/plain%2Fx", http.StatusNotFound, "is not a sweep"},
		{"a trial name that climbs out is refused", "/api/runs/sw%2F..", http.StatusBadRequest, "must be clean"},
		{"a hidden trial name is refused", "/api/runs/sw%2F.x", http.StatusBadRequest, "bad run name"},
		{"a trial of a trial is refused", "/api/runs/sw%2Ftrial-001%2Fcheckpoints", http.StatusBadRequest, "bad run name"},
		{"a trial not yet started is not found", "/api/runs/sw%2Ftrial-003", http.StatusNotFound, "no such run"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := *hs.Client()
			client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			res, err := client.Get(hs.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			got := string(body)
			if tc.code == http.StatusFound {
				got = res.Header.Get("Location")
			}
			if res.StatusCode != tc.code || !strings.Contains(got, tc.want) {
				t.Errorf("status %d, %.200q; want %d and %q", res.StatusCode, got, tc.code, tc.want)
			}
		})
	}
}
