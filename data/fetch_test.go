package data

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// mirror is a test HTTP server holding files by name (NAME.gz); it serves
// each under any folder.
type mirror struct {
	srv   *httptest.Server
	files map[string][]byte
	hits  atomic.Int32
}

func newMirror(t *testing.T, files map[string][]byte) *mirror {
	t.Helper()
	m := &mirror{files: files}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.hits.Add(1)
		b, ok := m.files[path.Base(r.URL.Path)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(b) // a failed write shows up as a failed download in the test
	}))
	t.Cleanup(m.srv.Close)
	return m
}

// base is the mirror URL to give Fetch.
func (m *mirror) base() string { return m.srv.URL + "/mnist/" }

// readFiles returns the four NAME.gz files of dir, by name.
func readFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := make(map[string][]byte)
	for _, f := range Files {
		b, err := os.ReadFile(filepath.Join(dir, f.Name+".gz"))
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name+".gz"] = b
	}
	return files
}

// useMiniFiles makes Files, for the rest of the test, the testdata/mini
// files with their hashes, and returns those files by name.
func useMiniFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := readFiles(t, filepath.Join("testdata", "mini"))
	old := Files
	Files = make([]FileSpec, len(old))
	for i, f := range old {
		sum := sha256.Sum256(files[f.Name+".gz"])
		Files[i] = FileSpec{f.Name, hex.EncodeToString(sum[:])}
	}
	t.Cleanup(func() { Files = old })
	return files
}

// useModuleDir makes Locate see dir as the GoMNIST module's data, or no
// module at all if dir is "", for the rest of the test.
func useModuleDir(t *testing.T, dir string) {
	t.Helper()
	old := moduleDataDir
	moduleDataDir = func() (string, error) {
		if dir == "" {
			return "", fs.ErrNotExist
		}
		return dir, nil
	}
	t.Cleanup(func() { moduleDataDir = old })
}

// listDir returns the names in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestFetchRealFiles(t *testing.T) {
	src, err := ModuleDataDir()
	if err != nil {
		t.Skipf("no real MNIST files to serve: %v", err)
	}
	m := newMirror(t, readFiles(t, src))
	dir := filepath.Join(t.TempDir(), "cache")
	if err := Fetch(context.Background(), m.srv.Client(), []string{m.base()}, dir, t.Logf); err != nil {
		t.Fatal(err)
	}
	for _, st := range Verify(dir) {
		if st.Err != nil || !st.KnownHash || !strings.HasSuffix(st.Path, ".gz") {
			t.Errorf("%s: %+v", st.Name, st)
		}
	}
	hits := m.hits.Load()
	if err := Fetch(context.Background(), m.srv.Client(), []string{m.base()}, dir, t.Logf); err != nil {
		t.Fatal(err)
	}
	if m.hits.Load() != hits {
		t.Error("a second Fetch downloaded files already present")
	}
}

func TestFetch(t *testing.T) {
	const last = "t10k-labels-idx1-ubyte.gz"
	tests := []struct {
		name     string
		mirrors  []map[string][]byte // nil: serve the mini files; empty map: 404 for all
		corrupt  map[int]bool        // mirrors whose copy of `last` is corrupted
		want     error
		mentions []string // the error names these
	}{
		{"one good mirror serves every file", []map[string][]byte{nil}, nil, nil, nil},
		{"a mirror answering 404 is skipped", []map[string][]byte{{}, nil}, nil, nil, nil},
		{"a corrupt copy is skipped for a good mirror", []map[string][]byte{nil, nil}, map[int]bool{0: true}, nil, nil},
		{"a corrupt copy on the only mirror is a checksum error", []map[string][]byte{nil}, map[int]bool{0: true},
			ErrChecksum, []string{last, "mirror0"}},
		{"every mirror failing is an error naming each", []map[string][]byte{{}, nil}, map[int]bool{1: true},
			ErrChecksum, []string{last, "404", "mirror1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := useMiniFiles(t)
			var urls []string
			var client *http.Client
			for i, served := range tt.mirrors {
				if served == nil {
					served = make(map[string][]byte)
					for k, v := range files {
						served[k] = v
					}
				}
				if tt.corrupt[i] && served[last] != nil {
					bad := append([]byte(nil), served[last]...)
					bad[len(bad)/2] ^= 1
					served[last] = bad
				}
				m := newMirror(t, served)
				client = m.srv.Client()
				// A folder naming the mirror lets the test find it in errors.
				urls = append(urls, fmt.Sprintf("%s/mirror%d/", m.srv.URL, i))
			}
			dir := filepath.Join(t.TempDir(), "cache")
			err := Fetch(context.Background(), client, urls, dir, t.Logf)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Fetch error %v, want %v", err, tt.want)
			}
			for _, s := range tt.mentions {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if err != nil && strings.Contains(err.Error(), "--") {
				t.Errorf("error %q names a flag: the front end names its own", err)
			}
			names := listDir(t, dir)
			if tt.want != nil {
				if len(names) != 3 || strings.Contains(strings.Join(names, " "), last) {
					t.Errorf("after the failure %s holds %v, want the 3 good files only", dir, names)
				}
				return
			}
			if len(names) != 4 {
				t.Errorf("%s holds %v, want the 4 files only", dir, names)
			}
			for _, st := range Verify(dir) {
				if st.Err != nil || !st.KnownHash {
					t.Errorf("%s: %+v", st.Name, st)
				}
			}
		})
	}
}

// Fetch downloads only what is missing or wrong.
func TestFetchKeepsGoodFiles(t *testing.T) {
	files := useMiniFiles(t)
	m := newMirror(t, files)
	dir := t.TempDir()
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bad := filepath.Join(dir, "train-labels-idx1-ubyte.gz")
	if err := os.WriteFile(bad, []byte("not the file"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Fetch(context.Background(), m.srv.Client(), []string{m.base()}, dir, t.Logf); err != nil {
		t.Fatal(err)
	}
	if n := m.hits.Load(); n != 1 {
		t.Errorf("%d downloads, want 1 (the corrupted file)", n)
	}
	for _, st := range Verify(dir) {
		if st.Err != nil || !st.KnownHash {
			t.Errorf("%s: %+v", st.Name, st)
		}
	}
}

func TestFetchCancelled(t *testing.T) {
	m := newMirror(t, useMiniFiles(t))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	err := Fetch(ctx, m.srv.Client(), []string{m.base(), m.base()}, dir, t.Logf)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch with a cancelled context: %v, want context.Canceled", err)
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("%s holds %v after a cancelled Fetch", dir, names)
	}
}

func TestVerify(t *testing.T) {
	mini := filepath.Join("testdata", "mini")
	t.Run("mini files parse but are not the originals", func(t *testing.T) {
		for _, st := range Verify(mini) {
			if st.Err != nil || st.KnownHash || st.Size == 0 || len(st.SHA256) != 64 || filepath.Dir(st.Path) != mini {
				t.Errorf("%+v", st)
			}
		}
	})
	t.Run("raw copies never have a known hash", func(t *testing.T) {
		files := useMiniFiles(t)
		dir := t.TempDir()
		for name, b := range files {
			raw, err := ReadIDX(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, strings.TrimSuffix(name, ".gz")), encodeIDX(raw), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, st := range Verify(dir) {
			if st.Err != nil || st.KnownHash || strings.HasSuffix(st.Path, ".gz") {
				t.Errorf("%+v", st)
			}
		}
	})
	t.Run("missing and bad files are reported each", func(t *testing.T) {
		dir := t.TempDir()
		b, err := os.ReadFile(filepath.Join("testdata", "idx", "label-10.idx"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte"), b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, ClassesFile), []byte("a\nb\nc\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		for _, st := range Verify(dir) {
			want := fs.ErrNotExist
			if st.Name == "train-labels-idx1-ubyte" {
				want = ErrBadLabel
			}
			if !errors.Is(st.Err, want) {
				t.Errorf("%s: error %v, want %v", st.Name, st.Err, want)
			}
		}
	})
}

func TestLocate(t *testing.T) {
	mini := filepath.Join("testdata", "mini")
	envDir, moduleDir := t.TempDir(), t.TempDir()
	for _, d := range []string{envDir, moduleDir} {
		if err := os.CopyFS(d, os.DirFS(mini)); err != nil {
			t.Fatal(err)
		}
	}
	empty := t.TempDir()
	tests := []struct {
		name       string
		dataDir    string
		env        string
		module     string // "" for no GoMNIST module
		cached     bool   // the cache folder already holds the files
		download   bool
		wantDir    string
		wantSource string
		wantErr    error
		mentions   []string
	}{
		{"--data-dir beats NEURONA_DATA and the module", mini, envDir, moduleDir, true, false, mini, SourceDataDir, nil, nil},
		{"NEURONA_DATA beats the module", "", envDir, moduleDir, true, false, envDir, SourceEnv, nil, nil},
		{"the module beats the cache", "", "", moduleDir, true, false, moduleDir, SourceModule, nil, nil},
		{"a filled cache is used", "", "", "", true, false, "CACHE", SourceCache, nil, nil},
		{"an empty cache is filled when downloading is allowed", "", "", "", false, true, "CACHE", SourceCache, nil, nil},
		{"a missing --data-dir is an error, not a fall-back", filepath.Join(empty, "nope"), envDir, moduleDir, true, false,
			"", "", fs.ErrNotExist, []string{"nope"}},
		{"a --data-dir without the files is an error", empty, envDir, moduleDir, true, false,
			"", "", fs.ErrNotExist, []string{empty, "train-images-idx3-ubyte.gz"}},
		{"a NEURONA_DATA without the files is an error", "", empty, moduleDir, true, false,
			"", "", fs.ErrNotExist, []string{"NEURONA_DATA=" + empty}},
		{"finding nothing without downloading says how to get the data", "", "", "", false, false,
			"", "", fs.ErrNotExist, []string{"NEURONA_DATA", "module cache", "does not hold the files"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files := useMiniFiles(t)
			useModuleDir(t, tt.module)
			m := newMirror(t, files)
			cache := filepath.Join(t.TempDir(), "cache")
			if tt.cached {
				if err := os.CopyFS(cache, os.DirFS(mini)); err != nil {
					t.Fatal(err)
				}
			}
			dir, source, err := Locate(context.Background(), LocateOptions{
				DataDir:  tt.dataDir,
				CacheDir: cache,
				Download: tt.download,
				Mirrors:  []string{m.base()},
				Client:   m.srv.Client(),
				Getenv: func(key string) string {
					if key == "NEURONA_DATA" {
						return tt.env
					}
					return ""
				},
				Logf: t.Logf,
			})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Locate = %q, %q, %v; want error %v", dir, source, err, tt.wantErr)
			}
			for _, s := range tt.mentions {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if err != nil && strings.Contains(err.Error(), "--") {
				t.Errorf("error %q names a flag: the front end names its own", err)
			}
			if tt.wantDir == "CACHE" {
				tt.wantDir = cache
			}
			if dir != tt.wantDir || source != tt.wantSource {
				t.Errorf("Locate = %q, %q; want %q, %q", dir, source, tt.wantDir, tt.wantSource)
			}
			if got, want := m.hits.Load() > 0, tt.download && !tt.cached; got != want {
				t.Errorf("downloaded: %v, want %v", got, want)
			}
		})
	}
}

// Without opts.Getenv, Locate reads the real environment.
func TestLocateReadsEnvironment(t *testing.T) {
	mini := filepath.Join("testdata", "mini")
	t.Setenv("NEURONA_DATA", mini)
	dir, source, err := Locate(context.Background(), LocateOptions{CacheDir: t.TempDir()})
	if err != nil || dir != mini || source != SourceEnv {
		t.Errorf("Locate = %q, %q, %v; want %q, %q", dir, source, err, mini, SourceEnv)
	}
}

func TestLoad(t *testing.T) {
	m, err := Load(context.Background(), LocateOptions{DataDir: filepath.Join("testdata", "mini")})
	if err != nil {
		t.Fatal(err)
	}
	if m.Source != SourceDataDir || m.Train.N != 3 || m.Test.N != 2 {
		t.Errorf("Load: source %q, %d and %d images; want %q, 3 and 2", m.Source, m.Train.N, m.Test.N, SourceDataDir)
	}
}

func TestModuleDataDir(t *testing.T) {
	mini, err := filepath.Abs(filepath.Join("testdata", "mini"))
	if err != nil {
		t.Fatal(err)
	}
	// A module root whose data/ holds the files, as `go list -m` prints it.
	root := t.TempDir()
	if err := os.CopyFS(filepath.Join(root, "data"), os.DirFS(mini)); err != nil {
		t.Fatal(err)
	}
	// A module cache holding GoMNIST.
	modcache := t.TempDir()
	inCache := filepath.Join(modcache, "github.com", "petar", "!go!m!n!i!s!t@"+gomnistVersion, "data")
	if err := os.CopyFS(inCache, os.DirFS(mini)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		moduleDir  string
		gomodcache string
		want       string
	}{
		{"ModuleDir naming the module root is used first", root, modcache, filepath.Join(root, "data")},
		{"ModuleDir naming the data folder works too", mini, modcache, mini},
		{"a stale ModuleDir falls back to GOMODCACHE", t.TempDir(), modcache, inCache},
		{"GOMODCACHE is used", "", modcache, inCache},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := ModuleDir
			ModuleDir = tt.moduleDir
			t.Cleanup(func() { ModuleDir = old })
			t.Setenv("GOMODCACHE", tt.gomodcache)
			got, err := ModuleDataDir()
			if err != nil || got != tt.want {
				t.Errorf("ModuleDataDir() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDefaultCacheDir(t *testing.T) {
	if d := DefaultCacheDir(); !strings.HasSuffix(d, filepath.Join("neurona", "mnist")) {
		t.Errorf("DefaultCacheDir() = %q, want it to end in neurona/mnist", d)
	}
}
