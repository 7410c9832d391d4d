package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/neurona/neurona/train"
)

func TestFiftyConcurrentPredictionsAgree(t *testing.T) {
	dir, _ := runsDir(t)
	var loads atomic.Int32
	s, err := New(Options{Dir: dir, Load: func(runDir string) (*train.Trained, error) {
		loads.Add(1)
		return goLoader(runDir)
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs := httptestServer(t, s)
	images := [][]byte{drawing(t, 280, 280, false), drawing(t, 120, 200, false)}
	var want [2]Prediction
	for i, img := range images {
		if code := do(t, hs, http.MethodPost, "/api/runs/digits/predict", "image/png", img, &want[i]); code != 200 {
			t.Fatalf("status %d", code)
		}
	}
	// As many as the predict queue admits at once (queue.go): beyond it a
	// request is answered 503, as TestPredictQueueIsBounded checks.
	const n = maxPredicting + maxWaiting
	var wg sync.WaitGroup
	errs := make(chan error, n)
	start := time.Now()
	for i := range n {
		wg.Go(func() {
			var p Prediction
			res, err := hs.Client().Post(hs.URL+"/api/runs/digits/predict", "image/png", bytes.NewReader(images[i%2]))
			if err == nil {
				if res.StatusCode != 200 {
					err = fmt.Errorf("status %d", res.StatusCode)
				} else {
					err = json.NewDecoder(res.Body).Decode(&p)
				}
				res.Body.Close()
			}
			if err != nil {
				errs <- fmt.Errorf("request %d: %v", i, err)
				return
			}
			if p.Class != want[i%2].Class || !slices.Equal(p.Probabilities, want[i%2].Probabilities) {
				errs <- fmt.Errorf("request %d: %v, want %v", i, p.Probabilities, want[i%2].Probabilities)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d concurrent predictions in %s", n, time.Since(start))
	if got := loads.Load(); got != 1 {
		t.Errorf("the model was loaded %d times, want once", got)
	}
}

func TestTheModelIsReloadedWhenTheTestedCheckpointChanges(t *testing.T) {
	dir := t.TempDir()
	run := filepath.Join(dir, "growing")
	copyRun(t, fixture(t, "digits"), run)
	_, hs := newServer(t, dir)
	img := drawing(t, 280, 280, false)
	var first Prediction
	if code := do(t, hs, http.MethodPost, "/api/runs/growing/predict", "image/png", img, &first); code != 200 {
		t.Fatalf("status %d", code)
	}
	c, _, err := train.ResolveCheckpoint(run)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, _, _, err := train.ResumeConfig(c)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Epochs, cfg.Backend = 2, "go"
	if _, err := train.Run(context.Background(), cfg, fixtures.digitsSet, train.Options{Resume: c}); err != nil {
		t.Fatal(err)
	}
	var second Prediction
	if code := do(t, hs, http.MethodPost, "/api/runs/growing/predict", "image/png", img, &second); code != 200 {
		t.Fatalf("status %d", code)
	}
	if first.Epoch != 1 || second.Epoch != 2 || first.Checkpoint == second.Checkpoint {
		t.Errorf("predicted with %s (epoch %d), then %s (epoch %d); want epoch 1, then 2 after the run resumed",
			first.Checkpoint, first.Epoch, second.Checkpoint, second.Epoch)
	}
}

func TestAtMostMaxModelsStayLoaded(t *testing.T) {
	dir := t.TempDir()
	for i := range maxModels + 2 {
		copyRun(t, fixture(t, "digits"), filepath.Join(dir, fmt.Sprintf("run-%d", i)))
	}
	s, hs := newServer(t, dir)
	img := drawing(t, 100, 100, false)
	for i := range maxModels + 2 {
		if code := do(t, hs, http.MethodPost, fmt.Sprintf("/api/runs/run-%d/predict", i), "image/png", img, nil); code != 200 {
			t.Fatalf("run-%d: status %d", i, code)
		}
	}
	s.models.mu.Lock()
	n := len(s.models.entries)
	_, newest := s.models.entries[fmt.Sprintf("run-%d", maxModels+1)]
	s.models.mu.Unlock()
	if n != maxModels || !newest {
		t.Errorf("%d models loaded (newest kept: %v), want %d", n, newest, maxModels)
	}
}

func BenchmarkPredict(b *testing.B) {
	dir := b.TempDir()
	copyRun(b, fixture(b, "digits"), filepath.Join(dir, "digits"))
	s, hs := newServer(b, dir)
	_ = s
	img := drawing(b, 280, 280, false)
	b.ResetTimer()
	for b.Loop() {
		if code := do(b, hs, http.MethodPost, "/api/runs/digits/predict", "image/png", img, nil); code != 200 {
			b.Fatalf("status %d", code)
		}
	}
}
