package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Training is most of this package's test time, and most tests need only
// "a trained run", not a training of their own. fixtures holds the run
// folders trained once per test process, one per recipe, in a folder
// TestMain removes; tests get copies (copyRun), so each may change, lock or
// damage its own. Tests of training itself (its output, flags, resume,
// signals) still train.
var fixtures struct {
	mu   sync.Mutex
	dir  string              // made on first use, removed by TestMain
	runs map[string]*fixture // by recipe
}

// fixture is one recipe's run folder and the data folder it was trained on.
type fixture struct {
	once      sync.Once
	dir       string // holds the run and the data
	run, data string
	err       error
	digest    string // of the fixture's files when trained; TestMain checks it again
	uses      int    // tests that asked for it
}

// trainOnce returns the run folder and the data folder of the fixture
// named recipe, made by train in a folder of its own on its first use.
// train returns the run folder, the data folder ("" for the bundled MNIST)
// and an error that says what went wrong (train cannot fail t: a fixture
// outlives the test that made it). The folders are shared: callers copy
// the run (copyRun) and only read the data.
func trainOnce(t *testing.T, recipe string, train func(dir string) (run, data string, err error)) (run, data string) {
	t.Helper()
	fixtures.mu.Lock()
	if fixtures.runs == nil {
		fixtures.runs = map[string]*fixture{}
	}
	f := fixtures.runs[recipe]
	if f == nil {
		f = &fixture{}
		fixtures.runs[recipe] = f
	}
	f.uses++
	fixtures.mu.Unlock()
	f.once.Do(func() {
		if f.dir, f.err = fixtureDir(); f.err != nil {
			return
		}
		if f.run, f.data, f.err = train(f.dir); f.err != nil {
			return
		}
		f.digest, f.err = digestTree(f.dir)
	})
	if f.err != nil {
		t.Fatalf("fixture %q: %v", recipe, f.err)
	}
	return f.run, f.data
}

// fixtureDir makes a new folder for a fixture.
func fixtureDir() (string, error) {
	fixtures.mu.Lock()
	defer fixtures.mu.Unlock()
	if fixtures.dir == "" {
		dir, err := os.MkdirTemp("", "cli-fixtures-")
		if err != nil {
			return "", err
		}
		fixtures.dir = dir
	}
	return os.MkdirTemp(fixtures.dir, "recipe-")
}

// trainFixture runs `neurona train` with args and says what it printed if
// it fails.
func trainFixture(args ...string) error {
	if code, stdout, stderr := cliRun(append([]string{"train"}, args...)...); code != ExitOK {
		return fmt.Errorf("train %s: exit code %d\n%s%s", strings.Join(args, " "), code, stdout, stderr)
	}
	return nil
}

// fakeMNISTFixture trains, once, the recipe args on a fakeMNIST data set
// of its own; it returns a copy of the run folder and the shared data
// folder.
func fakeMNISTFixture(t *testing.T, args ...string) (runDir, dataDir string) {
	t.Helper()
	run, data := trainOnce(t, "fake MNIST: "+strings.Join(args, " "), func(dir string) (string, string, error) {
		data := filepath.Join(dir, "data")
		if err := writeFakeMNIST(data, 200, 50); err != nil {
			return "", "", err
		}
		run := filepath.Join(dir, "run")
		return run, data, trainFixture(append(args, "--run-dir", run, "--data-dir", data)...)
	})
	return copyRun(t, run), data
}

// copyRun copies a run folder into a new folder named run, so a test may
// change or damage it.
func copyRun(t *testing.T, runDir string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "run")
	if err := os.CopyFS(dst, os.DirFS(runDir)); err != nil {
		t.Fatal(err)
	}
	return dst
}

// digestTree sums the names, modes and contents of everything under dir.
func digestTree(dir string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%q %v\n", rel, info.Mode())
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%d %x\n", len(b), sha256.Sum256(b))
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// closeFixtures checks that no test changed a fixture (a test changes its
// copy), removes them and, if verbose, says how many tests they served. It
// returns false if a fixture was changed.
func closeFixtures(verbose bool) bool {
	fixtures.mu.Lock()
	defer fixtures.mu.Unlock()
	if fixtures.dir == "" {
		return true
	}
	defer os.RemoveAll(fixtures.dir)
	ok, uses := true, 0
	for recipe, f := range fixtures.runs {
		uses += f.uses
		if f.err != nil || f.digest == "" {
			continue
		}
		if now, err := digestTree(f.dir); err != nil || now != f.digest {
			fmt.Fprintf(os.Stderr, "fixture %q was changed by a test (tests change a copy: copyRun)\n", recipe)
			ok = false
		}
	}
	if verbose {
		fmt.Fprintf(os.Stderr, "fixtures: %d runs trained once each, for %d tests\n", len(fixtures.runs), uses)
	}
	return ok
}

// TestFixtureDigestSeesEveryChange: the check that no test changed a
// fixture sees each way a test could change a run folder.
func TestFixtureDigestSeesEveryChange(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(dir string) error
	}{
		{"a byte of a file changed", func(dir string) error { return os.WriteFile(filepath.Join(dir, "a"), []byte("b"), 0o644) }},
		{"a file cut short", func(dir string) error { return os.Truncate(filepath.Join(dir, "a"), 0) }},
		{"a file made unreadable", func(dir string) error { return os.Chmod(filepath.Join(dir, "a"), 0) }},
		{"a file removed", func(dir string) error { return os.Remove(filepath.Join(dir, "sub", "c")) }},
		{"a file renamed", func(dir string) error { return os.Rename(filepath.Join(dir, "a"), filepath.Join(dir, "z")) }},
		{"a file added", func(dir string) error { return os.WriteFile(filepath.Join(dir, "sub", "d"), nil, 0o644) }},
		{"an empty folder added", func(dir string) error { return os.Mkdir(filepath.Join(dir, "new"), 0o755) }},
		{"a file replaced by a symlink", func(dir string) error {
			if err := os.Remove(filepath.Join(dir, "a")); err != nil {
				return err
			}
			return os.Symlink("sub/c", filepath.Join(dir, "a"))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
				t.Fatal(err)
			}
			for name, content := range map[string]string{"a": "a", "sub/c": "c"} {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			before, err := digestTree(dir)
			if err != nil {
				t.Fatal(err)
			}
			if again, err := digestTree(dir); err != nil || again != before {
				t.Fatalf("the digest of an unchanged folder changed (%v)", err)
			}
			if err := tc.change(dir); err != nil {
				t.Fatal(err)
			}
			if after, err := digestTree(dir); err != nil || after == before {
				t.Errorf("digest %s after the change, the same as before (error %v)", after, err)
			}
		})
	}
}
