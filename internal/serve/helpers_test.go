package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gomlx/compute"
	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
	"github.com/neurona/neurona/train/config"
	"github.com/neurona/neurona/train/runfolder"
)

// synthetic is a dataset of n training and n/5 test images of rows x
// cols pixels in k classes, class c a bright band at a height of its own,
// so that a tiny MLP learns it in an epoch.
func synthetic(n, rows, cols, k int, names []string) *data.MNIST {
	set := func(n int) *data.Set {
		s := &data.Set{N: n, Rows: rows, Cols: cols, Images: make([]uint8, n*rows*cols), Labels: make([]uint8, n)}
		for i := range n {
			c := i % k
			s.Labels[i] = uint8(c)
			y := c * rows / k
			for x := range cols {
				s.Images[i*rows*cols+y*cols+x] = uint8(200 + (i*7+x)%56)
			}
		}
		return s
	}
	return &data.MNIST{Train: set(n), Test: set(n / 5), Dir: "synthetic", Classes: data.Classes{N: k, Names: names}}
}

// tryTrain trains an MLP with 8 hidden units on m for epochs epochs into
// the run folder dir, on the Go backend.
func tryTrain(dir string, m *data.MNIST, epochs int) (*runfolder.Summary, error) {
	cfg := config.Defaults("mlp")
	cfg.Model.Hidden, cfg.Epochs, cfg.RunDir, cfg.Backend = []int{8}, epochs, dir, "go"
	cfg.BatchSize = 64
	s, err := train.Run(context.Background(), cfg, m, train.Options{})
	if err != nil {
		return nil, fmt.Errorf("train %s: %w", dir, err)
	}
	return s, nil
}

// fixtures are run folders trained once for the package's tests; tests
// copy them (copyRun) where they change them.
var fixtures struct {
	once          sync.Once
	dir           string
	digits, small string // 28x28 digits in 10 classes; 12x10 images in 3 named classes
	digitsSet     *data.MNIST
	err           error
}

// fixture returns the folder of the named fixture run ("digits" or "small").
func fixture(t testing.TB, name string) string {
	t.Helper()
	fixtures.once.Do(func() {
		fixtures.dir, fixtures.err = os.MkdirTemp("", "serve-fixtures-")
		if fixtures.err != nil {
			return
		}
		fixtures.digitsSet = synthetic(640, 28, 28, 10, nil)
		fixtures.digits = filepath.Join(fixtures.dir, "digits")
		if _, fixtures.err = tryTrain(fixtures.digits, fixtures.digitsSet, 1); fixtures.err != nil {
			return
		}
		fixtures.small = filepath.Join(fixtures.dir, "small")
		_, fixtures.err = tryTrain(fixtures.small, synthetic(300, 12, 10, 3, []string{"cat", "dog", "bird"}), 1)
	})
	if fixtures.err != nil {
		t.Fatal(fixtures.err)
	}
	switch name {
	case "digits":
		return fixtures.digits
	case "small":
		return fixtures.small
	}
	t.Fatalf("no fixture %q", name)
	return ""
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtures.dir != "" {
		os.RemoveAll(fixtures.dir)
	}
	os.Exit(code)
}

// copyRun copies the run folder src to dst (regular files and folders).
func copyRun(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, fi.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

var goBackend struct {
	once sync.Once
	b    compute.Backend
	err  error
}

// goLoader loads a run's newest valid checkpoint on the Go backend (the
// command line gives the tested one; the tests' runs have one epoch).
func goLoader(runDir string) (*train.Trained, error) {
	goBackend.once.Do(func() { goBackend.b, _, goBackend.err = backend.New("go") })
	if goBackend.err != nil {
		return nil, goBackend.err
	}
	c, _, err := train.ResolveCheckpoint(runDir)
	if err != nil {
		return nil, err
	}
	return train.LoadTrained(goBackend.b, c)
}

// testSetOf gives the digits fixture's test images to every model.
func testSetOf(*train.Trained) (*data.Set, error) { return fixtures.digitsSet.Test, nil }

// newServer serves dir on a loopback httptest server with the Go loader.
func newServer(t testing.TB, dir string) (*Server, *httptest.Server) {
	t.Helper()
	s, err := New(Options{Dir: dir, Load: goLoader, TestSet: testSetOf, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, httptestServer(t, s)
}

// get requests path from hs and decodes a JSON answer into out (if not nil).
func get(t testing.TB, hs *httptest.Server, path string, out any) int {
	t.Helper()
	return do(t, hs, http.MethodGet, path, "", nil, out)
}

func do(t testing.TB, hs *httptest.Server, method, path, contentType string, body []byte, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, hs.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := hs.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode >= 400 {
		checkJSONError(t, method+" "+path, res, raw)
	}
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v\n%s", method, path, err, raw)
		}
	}
	return res.StatusCode
}

// checkJSONError checks that an error answer is {"error": "..."}.
func checkJSONError(t testing.TB, what string, res *http.Response, raw []byte) {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("%s: error of Content-Type %q, want JSON: %s", what, ct, raw)
	}
	if err := json.Unmarshal(raw, &e); err != nil || e.Error == "" {
		t.Errorf("%s: error answer is not {\"error\": ...}: %s", what, raw)
	}
}

// drawing is a PNG of w x h pixels, dark ink on white: a vertical bar in
// the middle, or nothing if blank.
func drawing(t testing.TB, w, h int, blank bool) []byte {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			v := uint8(255)
			if !blank && x > w/2-w/20 && x < w/2+w/20 && y > h/6 && y < h*5/6 {
				v = 0
			}
			img.SetGray(x, y, color.Gray{v})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// writeMetrics appends epochs lines to dir/metrics.jsonl.
func writeMetrics(t testing.TB, dir string, from, to int) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "metrics.jsonl"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	for e := from; e <= to; e++ {
		val := 0.5 + 0.4*float64(e)/float64(to+1)
		b, _ := json.Marshal(runfolder.EpochMetrics{Epoch: e, GlobalStep: 100 * e, TrainLoss: 2 / float64(e+1), TrainAccuracy: val - 0.02,
			ValLoss: ptr(2.1 / float64(e+1)), ValAccuracy: ptr(val), ExamplesPerSecond: 5000, EpochSeconds: 1, ElapsedSeconds: float64(e)})
		if _, err := f.Write(append(b, '\n')); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// httptestServer serves s on a loopback httptest server.
func httptestServer(t testing.TB, s *Server) *httptest.Server {
	t.Helper()
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return hs
}

// decodeBody decodes a JSON answer into out.
func decodeBody(t testing.TB, res *http.Response, out any) {
	t.Helper()
	if err := json.NewDecoder(res.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}
