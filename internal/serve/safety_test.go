package serve

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// rawRequest sends a request line as written, without the client cleaning
// or escaping its path, and returns the answer's status and body.
func rawRequest(t *testing.T, hs *httptest.Server, method, target string) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, method+" "+target+" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 400 {
		checkJSONError(t, target, res, body)
	}
	return res.StatusCode, string(body)
}

func TestPathTraversalIsRefused(t *testing.T) {
	dir, outside := runsDir(t)
	_, hs := newServer(t, dir)
	for _, tc := range []struct {
		name, target string
		code         int
	}{
		{"dot dot", "/api/runs/..", 400},
		{"dot dot to a sibling", "/api/runs/../secret/metrics", 400},
		{"encoded dot dot", "/api/runs/%2e%2e", 400},
		{"encoded dot dot before predict", "/api/runs/%2e%2e/predict", 400},
		{"encoded dot dot and slashes", "/api/runs/..%2f..%2fetc%2fpasswd", 400},
		{"mixed encoding", "/api/runs/%2E./metrics", 400},
		{"a dot segment", "/api/runs/./digits", 400},
		{"an absolute path after the prefix", "/api/runs//etc/passwd", 400},
		{"an encoded absolute path", "/api/runs/%2Fetc%2Fpasswd", 400},
		{"the outside folder by absolute path", "/api/runs/" + strings.ReplaceAll(filepath.Join(outside, "secret"), "/", "%2F"), 400},
		{"a backslash", "/api/runs/..%5c..%5csecret", 400},
		{"a hidden folder", "/api/runs/.hidden", 400},
		{"a symbolic link leading out", "/api/runs/escape", 404},
		{"a symbolic link's metrics", "/api/runs/escape/metrics", 404},
		{"a symbolic link's picture", "/api/runs/escape/files/confusion.png", 404},
		{"a symbolic link's page", "/runs/escape", 404},
		{"a file outside the pictures", "/api/runs/digits/files/summary.json", 404},
		{"a checkpoint file", "/api/runs/digits/files/checkpoints%2Fckpt-000000009%2Fvariables.bin", 404},
		{"a file, not a run", "/api/runs/file.txt", 404},
		{"a folder that is not a run", "/api/runs/notes", 404},
		{"an asset outside assets", "/assets/..%2fserver.go", 400},
		{"an encoded asset path", "/assets/%2e%2e%2fdoc.go", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := rawRequest(t, hs, http.MethodGet, tc.target)
			if code != tc.code {
				t.Errorf("GET %s: %d %s, want %d", tc.target, code, body, tc.code)
			}
			if strings.Contains(body, "secret") && !strings.Contains(body, "error") {
				t.Errorf("GET %s answered the outside run: %s", tc.target, body)
			}
		})
	}
	if code, _ := rawRequest(t, hs, http.MethodPost, "/api/runs/escape/predict"); code != 404 {
		t.Errorf("POST predict to a symbolic link: %d, want 404", code)
	}
}

func TestLinksInsideARunAreNotFollowed(t *testing.T) {
	dir, outside := runsDir(t)
	run := filepath.Join(dir, "linked")
	if err := os.Mkdir(run, 0o755); err != nil {
		t.Fatal(err)
	}
	writeMetrics(t, run, 1, 1)
	for _, name := range []string{"checkpoints", "summary.json", "confusion.png"} {
		if err := os.Symlink(filepath.Join(outside, "secret", name), filepath.Join(run, name)); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(outside, "secret", "confusion.png"), drawing(t, 8, 8, false), 0o644)
	_, hs := newServer(t, dir)
	for _, tc := range []struct {
		method, path string
		code         int
	}{
		{"GET", "/api/runs/linked/files/confusion.png", 403},
		{"POST", "/api/runs/linked/predict", 403},
	} {
		code := do(t, hs, tc.method, tc.path, "image/png", drawing(t, 64, 64, false), nil)
		if code != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, code, tc.code)
		}
	}
	var r Run
	if get(t, hs, "/api/runs/linked", &r); r.Summary != nil || r.Config != nil || len(r.Pictures) > 0 || r.Problem == "" {
		t.Errorf("a run of links shows %+v", r)
	}
}

// pngHeader is a PNG signature and IHDR chunk declaring w x h gray pixels,
// with no image data: enough for DecodeConfig, not for Decode.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8 // bit depth; color type 0 (gray)
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

func TestPredictRefusesBadRequests(t *testing.T) {
	dir, _ := runsDir(t)
	_, hs := newServer(t, dir)
	good := drawing(t, 280, 280, false)
	for _, tc := range []struct {
		name, method, run, contentType string
		body                           []byte
		code                           int
	}{
		{"a body over 2 MB", "POST", "digits", "image/png", append(good, make([]byte, maxBodyBytes)...), 413},
		{"a body that is not a PNG", "POST", "digits", "image/png", []byte("GIF89a this is not a PNG"), 400},
		{"an empty body", "POST", "digits", "image/png", nil, 400},
		{"a truncated PNG", "POST", "digits", "image/png", good[:len(good)/2], 400},
		{"a header of 100000x100000 pixels", "POST", "digits", "image/png", pngHeader(100000, 100000), 413},
		{"a header of 2049x2048 pixels", "POST", "digits", "image/png", pngHeader(2049, 2048), 413},
		{"a header of 0x10 pixels", "POST", "digits", "image/png", pngHeader(0, 10), 400},
		{"a blank drawing", "POST", "digits", "image/png", drawing(t, 100, 100, true), 422},
		{"another media type", "POST", "digits", "text/plain", good, 415},
		{"no media type", "POST", "digits", "", good, 415},
		{"a GET", "GET", "digits", "", nil, 405},
		{"a model of 12x10 images", "POST", "small", "image/png", good, 422},
		{"a run without a checkpoint", "POST", "live", "image/png", good, 409},
		{"a run that does not exist", "POST", "nothing", "image/png", good, 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code := do(t, hs, tc.method, "/api/runs/"+tc.run+"/predict", tc.contentType, tc.body, nil); code != tc.code {
				t.Errorf("status %d, want %d", code, tc.code)
			}
		})
	}
}

func TestOtherMethodsAreRefused(t *testing.T) {
	dir, _ := runsDir(t)
	_, hs := newServer(t, dir)
	for _, tc := range []struct{ method, path string }{
		{"POST", "/api/runs"}, {"DELETE", "/api/runs/digits"}, {"PUT", "/api/runs/digits/metrics"}, {"POST", "/"},
	} {
		if code := do(t, hs, tc.method, tc.path, "", nil, nil); code != http.StatusMethodNotAllowed {
			t.Errorf("%s %s: %d, want 405", tc.method, tc.path, code)
		}
	}
}

func TestOnlyLoopbackHostsAreAnswered(t *testing.T) {
	dir, _ := runsDir(t)
	for _, tc := range []struct {
		host    string
		anyHost bool
		code    int
	}{
		{"127.0.0.1:8080", false, 200},
		{"localhost:8080", false, 200},
		{"[::1]:8080", false, 200},
		{"evil.example:8080", false, 421},
		{"192.168.1.10:8080", false, 421},
		{"evil.example", true, 200},
	} {
		t.Run(tc.host, func(t *testing.T) {
			s, err := New(Options{Dir: dir, AnyHost: tc.anyHost})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			req := httptest.NewRequest(http.MethodGet, "/api/runs", nil)
			req.Host = tc.host
			w := httptest.NewRecorder()
			s.ServeHTTP(w, req)
			if w.Code != tc.code {
				t.Errorf("Host %s: %d, want %d: %s", tc.host, w.Code, tc.code, w.Body)
			}
		})
	}
}

func TestAPanicIsA500WithAJSONError(t *testing.T) {
	s, err := New(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h := s.guard(s.recoverJSON(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("a bug") })))
	hs := httptest.NewServer(h)
	defer hs.Close()
	res, err := hs.Client().Get(hs.URL + "/api/runs")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 500 || !strings.Contains(string(body), `"error":"internal error"`) {
		t.Errorf("%d %s", res.StatusCode, body)
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"mlp-20260101-120000", true},
		{"run with spaces", true},
		{"chiffres-é", true},
		{"", false},
		{".", false},
		{"..", false},
		{".lock", false},
		{"a/b", false},
		{`a\b`, false},
		{"/etc", false},
		{"tab\there", false},
		{"nul\x00", false},
		{"\xff\xfe", false},
		{strings.Repeat("a", 256), false},
	} {
		if err := checkName(tc.name); (err == nil) != tc.ok {
			t.Errorf("checkName(%q) = %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}

// snapshot lists every file under dir with its size, mode and time.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		out[p] = fmt.Sprint(fi.Mode(), fi.ModTime(), fi.Size())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestTheServerNeverWritesIntoItsFolder(t *testing.T) {
	dir, _ := runsDir(t)
	before := snapshot(t, dir)
	_, hs := newServer(t, dir)
	for _, p := range []string{"/", "/api/runs", "/api/runs/digits", "/api/runs/digits/metrics", "/api/runs/digits/evaluation",
		"/api/runs/digits/files/confusion.png", "/runs/digits", "/api/runs/live", "/api/runs/small"} {
		get(t, hs, p, nil)
	}
	for _, run := range []string{"digits", "small", "live"} {
		do(t, hs, http.MethodPost, "/api/runs/"+run+"/predict", "image/png", drawing(t, 280, 280, false), nil)
	}
	after := snapshot(t, dir)
	for p, v := range after {
		if before[p] != v {
			t.Errorf("%s changed: %s -> %s", p, before[p], v)
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d files before, %d after", len(before), len(after))
	}
}

func TestServerTimeoutsAreSet(t *testing.T) {
	s, err := New(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs := s.HTTPServer()
	for name, d := range map[string]time.Duration{"ReadHeaderTimeout": hs.ReadHeaderTimeout, "ReadTimeout": hs.ReadTimeout,
		"WriteTimeout": hs.WriteTimeout, "IdleTimeout": hs.IdleTimeout} {
		if d <= 0 {
			t.Errorf("%s is not set", name)
		}
	}
	if hs.MaxHeaderBytes <= 0 || hs.MaxHeaderBytes > 1<<20 {
		t.Errorf("MaxHeaderBytes %d", hs.MaxHeaderBytes)
	}
}

func TestServeStopsWhenItsContextIsCancelled(t *testing.T) {
	s, err := New(Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	url := "http://" + ln.Addr().String() + "/api/runs"
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context was cancelled")
	}
	if _, err := http.Get(url); err == nil {
		t.Error("still answering after shutdown")
	}
}
