package cli_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neurona/neurona/internal/cli"
)

// copyMiniData copies data/testdata/mini (four gzipped files) to a new folder.
func copyMiniData(t *testing.T) string {
	t.Helper()
	src := filepath.Join("..", "..", "data", "testdata", "mini")
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// Issue 18 item 15 on the command line: data verify and data info say which
// of two copies of a file is read, refuse two that differ naming both, and
// call a directory where a file should be a directory.
func TestMainDataTwoCopiesAndDirectories(t *testing.T) {
	const name = "train-labels-idx1-ubyte"
	dir := copyMiniData(t)
	gzPath, rawPath := filepath.Join(dir, name+".gz"), filepath.Join(dir, name)
	b, err := os.ReadFile(gzPath)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rawPath, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run("data", "verify", "--data-dir", dir)
	if code != cli.ExitOK || !strings.Contains(stdout, gzPath+" read; same data in "+rawPath) {
		t.Errorf("verify with an identical raw copy: exit %d, stdout %q, stderr %q; want ok saying %s is read",
			code, stdout, stderr, gzPath)
	}

	if err := os.WriteFile(rawPath, raw[:len(raw)-1], 0o644); err != nil { // one label short
		t.Fatal(err)
	}
	for _, sub := range []string{"verify", "info"} {
		code, stdout, stderr := run("data", sub, "--data-dir", dir)
		if out := stdout + stderr; code != 1 || !strings.Contains(out, "both "+gzPath+" and "+rawPath+" are present") {
			t.Errorf("data %s with a truncated raw copy: exit %d, output %q; want 1 naming both files", sub, code, out)
		}
	}

	if err := os.Remove(rawPath); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(gzPath); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(gzPath, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"verify", "info"} {
		code, stdout, stderr := run("data", sub, "--data-dir", dir)
		if out := stdout + stderr; code == cli.ExitOK || !strings.Contains(out, gzPath+" is a directory") ||
			strings.Contains(out, "does not exist") || strings.Contains(out, "lacks") {
			t.Errorf("data %s with a directory for %s: exit %d, output %q; want a failure saying it is a directory",
				sub, name, code, out)
		}
	}
}
