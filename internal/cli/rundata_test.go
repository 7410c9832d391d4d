package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// filesOf reads every file directly in dir, by name.
func filesOf(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		if e.Type().IsRegular() {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			out[e.Name()] = b
		}
	}
	return out
}

// A run remembers its data: commands that take a run use the folder it was
// trained on without --data-dir (before, they silently read the bundled
// MNIST and overwrote the run's pictures with its results).
func TestCommandsUseTheRunsData(t *testing.T) {
	runDir, dataDir := trainedRun(t, 2)
	before := filesOf(t, runDir)

	code, stdout, stderr := cliRun("eval", runDir, "--json", "--backend", "go")
	if code != ExitOK {
		t.Fatalf("eval without --data-dir: exit %d\n%s", code, stderr)
	}
	var r struct {
		Data      string
		OtherData bool `json:"other_data"`
		Examples  int
	}
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	if r.Data != dataDir || r.OtherData || r.Examples != 50 {
		t.Errorf("eval used %q (other data %v, %d test images), want the run's %s with its 50", r.Data, r.OtherData, r.Examples, dataDir)
	}
	code, stdout, stderr = cliRun("predict", runDir, "--test-index", "3", "--backend", "go")
	if code != ExitOK || strings.Contains(stderr, "other data") {
		t.Errorf("predict without --data-dir: exit %d\n%s%s", code, stdout, stderr)
	}

	t.Run("other data given explicitly is said at the top and leaves the pictures alone", func(t *testing.T) {
		other := fakeMNIST(t)
		// Other data: the same digits with the test labels shifted.
		var b bytes.Buffer
		b.Write([]byte{0, 0, 8, 1, 0, 0, 0, 50})
		for i := range 50 {
			b.WriteByte(byte((i + 1) % 10))
		}
		if err := os.WriteFile(filepath.Join(other, "t10k-labels-idx1-ubyte"), b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := cliRun("eval", runDir, "--data-dir", other, "--backend", "go")
		if code != ExitOK {
			t.Fatalf("eval --data-dir other: exit %d\n%s", code, stderr)
		}
		if first, _, _ := strings.Cut(stdout, "\n"); !strings.Contains(first, "evaluated on other data than it was trained on") {
			t.Errorf("the first line does not say so: %q", first)
		}
		code, stdout, _ = cliRun("eval", runDir, "--data-dir", other, "--backend", "go", "--json")
		if code != ExitOK || !strings.Contains(stdout, `"other_data":true`) || !strings.Contains(stdout, `"warning":"evaluated on other data than it was trained on"`) {
			t.Errorf("JSON on other data: exit %d\n%s", code, stdout)
		}
		page := filepath.Join(t.TempDir(), "report.html")
		code, stdout, stderr = cliRun("report", runDir, "--data-dir", other, "--backend", "go", "--out", page)
		html, _ := os.ReadFile(page)
		if code != ExitOK || !strings.Contains(string(html), `id="warning"`) || !strings.Contains(string(html), "evaluated on other data") {
			t.Errorf("report on other data: exit %d, warning in page %v\n%s%s", code, strings.Contains(string(html), `id="warning"`), stdout, stderr)
		}
		after := filesOf(t, runDir)
		for name, b := range before {
			if !bytes.Equal(after[name], b) {
				t.Errorf("%s changed after commands on other data", name)
			}
		}
	})

	t.Run("a moved data folder is an error naming it, and nothing is written", func(t *testing.T) {
		moved := dataDir + "-moved"
		if err := os.Rename(dataDir, moved); err != nil {
			t.Fatal(err)
		}
		defer os.Rename(moved, dataDir)
		for _, args := range [][]string{{"eval", runDir}, {"report", runDir}, {"predict", runDir, "--test-index", "0"}} {
			code, stdout, stderr := cliRun(append(args, "--backend", "go")...)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if code != ExitFailure || len(lines) != 1 || !strings.Contains(stderr, dataDir) || !strings.Contains(stderr, "no longer there") {
				t.Errorf("%s: exit %d, want 1 with one line naming %s:\n%s%s", args[0], code, dataDir, stdout, stderr)
			}
		}
		after := filesOf(t, runDir)
		if len(after) != len(before) {
			t.Errorf("files written into the run: %d before, %d after", len(before), len(after))
		}
		for name, b := range before {
			if !bytes.Equal(after[name], b) {
				t.Errorf("%s changed", name)
			}
		}
	})
}
