package serve

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// post sends a drawing to the run digits' predict and returns the status,
// the Retry-After header and the JSON error, if any.
func post(hs *httptest.Server, body []byte) (code int, retry, msg string, err error) {
	res, err := hs.Client().Post(hs.URL+"/api/runs/digits/predict", "image/png", bytes.NewReader(body))
	if err != nil {
		return 0, "", "", err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, "", "", err
	}
	var e errorBody
	_ = json.Unmarshal(raw, &e)
	return res.StatusCode, res.Header.Get("Retry-After"), e.Error, nil
}

// TestPredictQueueIsBounded fills the predictions at work (held by onTurn)
// and the queue behind them (seen by onWait), then checks that one request
// more is answered 503 with Retry-After at once, and that every admitted
// request is answered once the work goes on.
func TestPredictQueueIsBounded(t *testing.T) {
	dir, _ := runsDir(t)
	s, hs := newServer(t, dir)
	working, waiting := make(chan struct{}, maxPredicting+maxWaiting), make(chan struct{}, maxWaiting)
	release := make(chan struct{})
	s.predicts.onTurn = func() { working <- struct{}{}; <-release }
	s.predicts.onWait = func() { waiting <- struct{}{} }
	body := drawing(t, 280, 280, false)
	var wg sync.WaitGroup
	codes := make(chan int, maxPredicting+maxWaiting)
	send := func() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _, msg, err := post(hs, body)
			if err != nil {
				t.Error(err)
			}
			if code != http.StatusOK {
				t.Logf("an admitted request: %d %s", code, msg)
			}
			codes <- code
		}()
	}
	for range maxPredicting {
		send()
	}
	for range maxPredicting {
		<-working
	}
	for range maxWaiting {
		send()
	}
	for range maxWaiting {
		<-waiting
	}
	code, retry, msg, err := post(hs, body)
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusServiceUnavailable || retry == "" || !strings.Contains(msg, "busy") {
		t.Errorf("one request beyond %d at work and %d waiting: %d, Retry-After %q, %q; want 503 with Retry-After",
			maxPredicting, maxWaiting, code, retry, msg)
	}
	close(release)
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusOK {
			t.Errorf("an admitted request was answered %d, want 200", c)
		}
	}
}

// TestPredictWaitsNoLongerThanItsDeadline holds every turn and sends one
// request more: it waits, and is answered 503 when its deadline passes.
func TestPredictWaitsNoLongerThanItsDeadline(t *testing.T) {
	dir, _ := runsDir(t)
	s, hs := newServer(t, dir)
	s.predictDeadline = 50 * time.Millisecond
	working, waiting := make(chan struct{}, maxPredicting+1), make(chan struct{}, 1)
	release := make(chan struct{})
	s.predicts.onTurn = func() { working <- struct{}{}; <-release }
	s.predicts.onWait = func() { waiting <- struct{}{} }
	body := drawing(t, 280, 280, false)
	var wg sync.WaitGroup
	for range maxPredicting {
		wg.Add(1)
		go func() {
			defer wg.Done()
			post(hs, body)
		}()
	}
	for range maxPredicting {
		<-working
	}
	code, retry, msg, err := post(hs, body)
	if err != nil {
		t.Fatal(err)
	}
	<-waiting // it did wait for a turn before its deadline passed
	if code != http.StatusServiceUnavailable || retry == "" || !strings.Contains(msg, "deadline") {
		t.Errorf("a request past its deadline: %d, Retry-After %q, %q; want 503 with Retry-After", code, retry, msg)
	}
	close(release)
	wg.Wait()
}
