package serve

import (
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/neurona/neurona/internal/runs"
	"github.com/neurona/neurona/train/runfolder"
)

// runsDir lays out a runs folder: two finished runs (digits, with a
// confusion.png, and small, 12x10 images), a run being trained (live, its
// lock held), one whose process died (crashed), and what is not a run: a
// folder of notes, a hidden run, a file, and a symbolic link to a run
// outside. It returns the folder and the outside one.
func runsDir(t *testing.T) (dir, outside string) {
	t.Helper()
	dir, outside = t.TempDir(), t.TempDir()
	copyRun(t, fixture(t, "digits"), filepath.Join(dir, "digits"))
	copyRun(t, fixture(t, "small"), filepath.Join(dir, "small"))
	if err := os.WriteFile(filepath.Join(dir, "digits", "confusion.png"), drawing(t, 20, 20, false), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"live", "crashed", "notes"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeMetrics(t, filepath.Join(dir, "live"), 1, 3)
	unlock, err := runfolder.LockRun(filepath.Join(dir, "live"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
	writeMetrics(t, filepath.Join(dir, "crashed"), 1, 2)
	if err := os.WriteFile(filepath.Join(dir, "notes", "todo.txt"), []byte("try maxout\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "file.txt"), []byte("not a run\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	copyRun(t, fixture(t, "digits"), filepath.Join(dir, ".hidden"))
	copyRun(t, fixture(t, "digits"), filepath.Join(outside, "secret"))
	if err := os.Symlink(filepath.Join(outside, "secret"), filepath.Join(dir, "escape")); err != nil {
		t.Fatal(err)
	}
	return dir, outside
}

func TestRunsListsTheRunsWithTheirStatus(t *testing.T) {
	dir, _ := runsDir(t)
	_, hs := newServer(t, dir)
	var list RunList
	if code := get(t, hs, "/api/runs", &list); code != http.StatusOK {
		t.Fatalf("GET /api/runs: %d", code)
	}
	got := map[string]RunInfo{}
	var names []string
	for _, r := range list.Runs {
		got[r.Name] = r
		names = append(names, r.Name)
	}
	slices.Sort(names)
	if want := []string{"crashed", "digits", "live", "small"}; !slices.Equal(names, want) {
		t.Fatalf("runs %v, want %v (no notes, hidden folder, file or symbolic link)", names, want)
	}
	for _, tc := range []struct {
		run, status, model string
		epochs             int
		tested             bool
	}{
		{"digits", runs.Finished, "mlp 784-8-10 relu softmax_ce", 1, true},
		{"small", runs.Finished, "mlp 120-8-3 relu softmax_ce", 1, true},
		{"live", runs.Training, "", 3, false},
		{"crashed", runs.Crashed, "", 2, false},
	} {
		t.Run(tc.run+" is "+tc.status, func(t *testing.T) {
			r := got[tc.run]
			if r.Status != tc.status || r.Model != tc.model || r.Epochs != tc.epochs {
				t.Errorf("%+v, want status %s, model %q, %d epochs", r, tc.status, tc.model, tc.epochs)
			}
			if (r.TestAccuracy != nil) != tc.tested || r.BestValAccuracy == nil {
				t.Errorf("test accuracy %v, best validation %v", r.TestAccuracy, r.BestValAccuracy)
			}
		})
	}
	if list.Dir != dir {
		t.Errorf("dir %q, want %q", list.Dir, dir)
	}
}

func TestRunsListFollowsRunsAsTheyStartAndFinish(t *testing.T) {
	dir := t.TempDir()
	_, hs := newServer(t, dir)
	var list RunList
	if get(t, hs, "/api/runs", &list); len(list.Runs) != 0 {
		t.Fatalf("empty folder lists %v", list.Runs)
	}
	run := filepath.Join(dir, "new")
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	unlock, err := runfolder.LockRun(run)
	if err != nil {
		t.Fatal(err)
	}
	writeMetrics(t, run, 1, 1)
	if get(t, hs, "/api/runs", &list); len(list.Runs) != 1 || list.Runs[0].Status != runs.Training {
		t.Fatalf("a run started: %+v", list.Runs)
	}
	unlock()
	if err := os.WriteFile(filepath.Join(run, "summary.json"), []byte(`{"model":{"name":"mlp","inputs":784,"classes":10,"hidden":[8]},"test_accuracy":0.9,"stopped_because":"reached --epochs 1"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if get(t, hs, "/api/runs", &list); list.Runs[0].Status != runs.Finished || list.Runs[0].TestAccuracy == nil || *list.Runs[0].TestAccuracy != 0.9 {
		t.Fatalf("the run finished: %+v", list.Runs[0])
	}
}

func TestRunAnswersItsConfigurationSummaryAndPictures(t *testing.T) {
	dir, _ := runsDir(t)
	_, hs := newServer(t, dir)
	for _, tc := range []struct {
		run       string
		drawable  bool
		classes   []string
		rows      int
		pictures  int
		hasConfig bool
	}{
		{"digits", true, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, 28, 1, true},
		{"small", false, []string{"cat", "dog", "bird"}, 12, 0, true},
		{"live", false, nil, 0, 0, false},
	} {
		t.Run(tc.run, func(t *testing.T) {
			var r Run
			if code := get(t, hs, "/api/runs/"+tc.run, &r); code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			if r.Drawable != tc.drawable || (r.NotDrawable == "") != tc.drawable {
				t.Errorf("drawable %v (%q), want %v", r.Drawable, r.NotDrawable, tc.drawable)
			}
			if !slices.Equal(r.Classes, tc.classes) || r.ImageRows != tc.rows {
				t.Errorf("classes %v, rows %d; want %v, %d", r.Classes, r.ImageRows, tc.classes, tc.rows)
			}
			if len(r.Pictures) != tc.pictures || (r.Config != nil) != tc.hasConfig || (r.Summary != nil) != tc.hasConfig {
				t.Errorf("pictures %v, config %v, summary %v", r.Pictures, r.Config != nil, r.Summary != nil)
			}
		})
	}
	var r Run
	get(t, hs, "/api/runs/digits", &r)
	url := r.Pictures["confusion.png"]
	req, _ := http.NewRequest(http.MethodGet, hs.URL+url, nil)
	res, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" {
		t.Errorf("GET %s: %d %s", url, res.StatusCode, res.Header.Get("Content-Type"))
	}
}

func TestMetricsAnswer304UntilAnEpochEnds(t *testing.T) {
	dir, _ := runsDir(t)
	_, hs := newServer(t, dir)
	fetch := func(etag string) (int, string, int) {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+"/api/runs/live/metrics", nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m Metrics
		if res.StatusCode == http.StatusOK {
			decodeBody(t, res, &m)
		}
		return res.StatusCode, res.Header.Get("ETag"), len(m.Epochs)
	}
	code, tag, n := fetch("")
	if code != http.StatusOK || tag == "" || n != 3 {
		t.Fatalf("first GET: %d, ETag %q, %d epochs", code, tag, n)
	}
	if code, _, _ := fetch(tag); code != http.StatusNotModified {
		t.Errorf("GET with the ETag: %d, want 304", code)
	}
	time.Sleep(10 * time.Millisecond) // a new modification time, even on coarse clocks
	writeMetrics(t, filepath.Join(dir, "live"), 4, 4)
	if code, tag2, n := fetch(tag); code != http.StatusOK || n != 4 || tag2 == tag {
		t.Errorf("after an epoch: %d, %d epochs, ETag %q (was %q)", code, n, tag2, tag)
	}
}

func TestMetricsSkipDamagedLines(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "r")
	os.Mkdir(run, 0o755)
	writeMetrics(t, run, 1, 2)
	f, _ := os.OpenFile(filepath.Join(run, "metrics.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"epoch":3,"train_lo`) // a line being written
	f.Close()
	_, hs := newServer(t, dir)
	var m Metrics
	if get(t, hs, "/api/runs/r/metrics", &m); len(m.Epochs) != 2 || m.DamagedLines != 1 {
		t.Errorf("%d epochs, %d damaged; want 2 and 1", len(m.Epochs), m.DamagedLines)
	}
}

func TestPredictAnswersTheModelsOutputs(t *testing.T) {
	dir, _ := runsDir(t)
	_, hs := newServer(t, dir)
	var p Prediction
	if code := do(t, hs, http.MethodPost, "/api/runs/digits/predict", "image/png", drawing(t, 280, 280, false), &p); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	sum := float32(0)
	for _, v := range p.Probabilities {
		sum += v
	}
	if len(p.Probabilities) != 10 || len(p.Classes) != 10 || math.Abs(float64(sum-1)) > 1e-4 || p.Outputs != "softmax" {
		t.Errorf("%d probabilities summing to %v, classes %v, outputs %q", len(p.Probabilities), sum, p.Classes, p.Outputs)
	}
	if p.Confidence != p.Probabilities[p.Class] || p.ClassName != p.Classes[p.Class] || p.Checkpoint == "" || p.Epoch != 1 {
		t.Errorf("%+v", p)
	}
	if len(p.Input) != 784 || slices.Max(p.Input) != 255 {
		t.Errorf("input of %d pixels, max %d; want 784 up to 255", len(p.Input), slices.Max(p.Input))
	}
}

func TestEvaluationOfFinishedRuns(t *testing.T) {
	dir, _ := runsDir(t)
	_, hs := newServer(t, dir)
	var ev Evaluation
	if code := get(t, hs, "/api/runs/digits/evaluation", &ev); code != http.StatusOK {
		t.Fatalf("status %d", code)
	}
	if ev.Examples != 128 || len(ev.Precision) != 10 || len(ev.Recall) != 10 || len(ev.Confusion) != 10 || ev.Support[3] == 0 {
		t.Errorf("%+v", ev)
	}
	if code := get(t, hs, "/api/runs/live/evaluation", nil); code != http.StatusConflict {
		t.Errorf("a run still training: %d, want 409", code)
	}
	s, err := New(Options{Dir: dir, Load: goLoader})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	without := httptestServer(t, s)
	if code := get(t, without, "/api/runs/digits/evaluation", nil); code != http.StatusNotFound {
		t.Errorf("without test data: %d, want 404", code)
	}
}

func TestPagesAndAssetsAreEmbedded(t *testing.T) {
	dir, _ := runsDir(t)
	_, hs := newServer(t, dir)
	for _, tc := range []struct {
		path, contentType string
		code              int
	}{
		{"/", "text/html; charset=utf-8", 200},
		{"/runs/digits", "text/html; charset=utf-8", 200},
		{"/assets/run.js", "text/javascript; charset=utf-8", 200},
		{"/assets/style.css", "text/css; charset=utf-8", 200},
		{"/assets/", "application/json; charset=utf-8", 404},
		{"/assets/missing.js", "application/json; charset=utf-8", 404},
		{"/runs/nothing", "application/json; charset=utf-8", 404},
		{"/nothing", "application/json; charset=utf-8", 404},
	} {
		t.Run(tc.path, func(t *testing.T) {
			res, err := hs.Client().Get(hs.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.code || res.Header.Get("Content-Type") != tc.contentType {
				t.Errorf("%d %s, want %d %s", res.StatusCode, res.Header.Get("Content-Type"), tc.code, tc.contentType)
			}
			if csp := res.Header.Get("Content-Security-Policy"); csp == "" {
				t.Error("no Content-Security-Policy")
			}
		})
	}
}
