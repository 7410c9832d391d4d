package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestParseServe(t *testing.T) {
	runs := t.TempDir()
	file := filepath.Join(runs, "notes.txt")
	run := filepath.Join(runs, "r")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "metrics.jsonl"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		args           []string
		dir, addr      string
		usage, missing bool
		say            string // in the error
	}{
		{"a runs folder", []string{runs}, runs, "127.0.0.1:8080", false, false, ""},
		{"--addr after the folder", []string{runs, "--addr", "127.0.0.1:0"}, runs, "127.0.0.1:0", false, false, ""},
		{"--addr for every interface, before the folder", []string{"--addr", ":9000", runs}, runs, ":9000", false, false, ""},
		{"no folder, and no runs/ here", nil, "", "", false, true, "runs folder runs does not exist"},
		{"a folder that does not exist", []string{"/nonexistent/runs"}, "", "", false, true, "/nonexistent/runs"},
		{"two folders", []string{runs, runs}, "", "", true, false, "one runs folder"},
		{"a file", []string{file}, "", "", true, false, "not a folder"},
		{"a run folder", []string{run}, "", "", true, false, "neurona serve " + runs},
		{"an address without a port", []string{runs, "--addr", "localhost"}, "", "", true, false, "host:port"},
		{"a port out of range", []string{runs, "--addr", "127.0.0.1:70000"}, "", "", true, false, "host:port"},
		{"a port that is a word", []string{runs, "--addr", "127.0.0.1:http"}, "", "", true, false, "host:port"},
		{"an unknown backend", []string{runs, "--backend", "tpu"}, "", "", true, false, "--backend"},
		{"an unknown flag", []string{runs, "--port", "80"}, "", "", true, false, "-port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseServe(tt.args, &env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }})
			var ue usageError
			switch {
			case tt.usage && !errors.As(err, &ue):
				t.Fatalf("error %v, want a usage error", err)
			case tt.missing && !errors.Is(err, fs.ErrNotExist):
				t.Fatalf("error %v, want a missing path", err)
			case !tt.usage && !tt.missing && err != nil:
				t.Fatal(err)
			case err != nil:
				if !strings.Contains(err.Error(), tt.say) {
					t.Errorf("error %q does not say %q", err, tt.say)
				}
			case o.dir != tt.dir || o.addr != tt.addr:
				t.Errorf("dir %q, addr %q; want %q, %q", o.dir, o.addr, tt.dir, tt.addr)
			}
		})
	}
}

// lockedBuffer is an output that a test reads while a command writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs `neurona serve` with args in the background and returns
// the address it serves, what it printed, and a func that stops it (as
// Ctrl-C does, by cancelling its context) and returns its error.
func startServe(t *testing.T, args ...string) (url string, out *lockedBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out = &lockedBuffer{}
	e := &env{ctx: ctx, stdout: out, stderr: out, getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() { done <- runServe(e, args) }()
	stop = func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			t.Fatal("serve did not stop 15 s after its context was cancelled")
			return nil
		}
	}
	at := regexp.MustCompile(`at (http://\S+/) `)
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := at.FindStringSubmatch(out.String()); m != nil {
			return m[1], out, stop
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, out)
		default:
		}
	}
	stop()
	t.Fatalf("serve printed no address:\n%s", out)
	return "", nil, nil
}

func TestServeStopsCleanlyWhenInterrupted(t *testing.T) {
	runs := t.TempDir()
	url, out, stop := startServe(t, runs, "--addr", "127.0.0.1:0", "--backend", "go")
	res, err := http.Get(url + "api/runs")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /api/runs: %d", res.StatusCode)
	}
	if err := stop(); !errors.Is(err, context.Canceled) {
		t.Errorf("serve returned %v, want context.Canceled (exit 130 for SIGINT)", err)
	}
	if strings.Contains(out.String(), "WARNING") {
		t.Errorf("a loopback server warns:\n%s", out)
	}
	if _, err := http.Get(url + "api/runs"); err == nil {
		t.Error("still answering after it stopped")
	}
}

func TestServeWarnsWhenListeningBeyondLoopback(t *testing.T) {
	_, out, stop := startServe(t, t.TempDir(), "--addr", "0.0.0.0:0", "--backend", "go")
	stop()
	if !strings.Contains(out.String(), "WARNING: listening on every network interface") || !strings.Contains(out.String(), "visible to that network") {
		t.Errorf("no warning for 0.0.0.0:\n%s", out)
	}
}

// TestServePredictsWithTheRunsTestedCheckpoint trains a tiny run and asks
// the server the command starts for a prediction and the evaluation, as a
// run's page does.
func TestServePredictsWithTheRunsTestedCheckpoint(t *testing.T) {
	run := tinyRun(t)
	url, out, stop := startServe(t, filepath.Dir(run), "--addr", "127.0.0.1:0", "--backend", "go")
	defer stop()
	img := image.NewGray(image.Rect(0, 0, 100, 100))
	for y := range 100 {
		for x := range 100 {
			v := uint8(255)
			if x > 45 && x < 55 && y > 15 && y < 85 {
				v = 0
			}
			img.SetGray(x, y, color.Gray{v})
		}
	}
	var body bytes.Buffer
	if err := png.Encode(&body, img); err != nil {
		t.Fatal(err)
	}
	var p struct {
		Class      int    `json:"class"`
		Checkpoint string `json:"checkpoint"`
	}
	postJSON(t, url+"api/runs/run/predict", body.Bytes(), &p)
	if p.Checkpoint == "" {
		t.Errorf("prediction %+v names no checkpoint", p)
	}
	var ev struct {
		Examples int       `json:"examples"`
		Recall   []float64 `json:"recall"`
	}
	getJSON(t, url+"api/runs/run/evaluation", &ev)
	if ev.Examples != 10000 || len(ev.Recall) != 10 {
		t.Errorf("evaluation of %d examples, %d recalls; want MNIST's 10000 test images", ev.Examples, len(ev.Recall))
	}
	if !strings.Contains(out.String(), "loaded run/"+p.Checkpoint) {
		t.Errorf("the load is not logged:\n%s", out)
	}
}

func postJSON(t *testing.T, url string, body []byte, out any) {
	t.Helper()
	res, err := http.Post(url, "image/png", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	decodeOK(t, res, out)
}

func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	decodeOK(t, res, out)
}

func decodeOK(t *testing.T, res *http.Response, out any) {
	t.Helper()
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", res.Request.URL, res.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatal(err)
	}
}
