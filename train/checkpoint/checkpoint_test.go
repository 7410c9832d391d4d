package checkpoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// testMeta stands for the trainer's meta.json.
type testMeta struct {
	Config string `json:"config"`
	Step   int    `json:"step"`
}

// snapshot returns a checkpoint of step with two variables whose bytes
// depend on step, and val_accuracy acc (none if acc < 0).
func snapshot(step int, acc float64) Snapshot {
	weights := make([]byte, 4*6)
	for i := range weights {
		weights[i] = byte(step*31 + i)
	}
	s := Snapshot{
		Step: step, Epoch: step / 10, Reason: "epoch",
		Meta: testMeta{Config: "mlp 784-10", Step: step},
		Variables: []Variable{
			{Path: "/dense/weights", DType: "Float32", Shape: []int{2, 3}, Trainable: true, Data: weights},
			{Path: "/global_step", DType: "Int64", Shape: nil, Data: []byte{byte(step), 0, 0, 0, 0, 0, 0, 0}},
		},
	}
	if acc >= 0 {
		s.Metrics = map[string]float64{"val_accuracy": acc}
	}
	return s
}

func newManager(t *testing.T, keepLast int, best string) *Manager {
	t.Helper()
	m, err := NewManager(filepath.Join(t.TempDir(), "checkpoints"), keepLast, best, ManagerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func mustSave(t *testing.T, m *Manager, s Snapshot) string {
	t.Helper()
	path, _, err := m.Save(s)
	if err != nil {
		t.Fatalf("save step %d: %v", s.Step, err)
	}
	return path
}

// names returns the base names of the entries of dir but the pointer
// files (best, last), which TestPointersFollowSavesAndPruning checks.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != BestPointer && e.Name() != LastPointer {
			out = append(out, e.Name())
		}
	}
	return out
}

func TestSaveOpenRoundTrip(t *testing.T) {
	m := newManager(t, 3, "val_accuracy")
	snap := snapshot(42, 0.75)
	path, size, err := m.Save(snap)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(m.Dir, "ckpt-000000042"); path != want {
		t.Errorf("saved to %s, want %s", path, want)
	}
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	wantMeta, _ := json.MarshalIndent(snap.Meta, "", "  ")
	if !bytes.Equal(c.Meta, wantMeta) {
		t.Errorf("meta.json\n%s\nwant\n%s", c.Meta, wantMeta)
	}
	if len(c.Variables) != len(snap.Variables) {
		t.Fatalf("%d variables, want %d", len(c.Variables), len(snap.Variables))
	}
	for i, v := range c.Variables {
		w := snap.Variables[i]
		if v.Path != w.Path || v.DType != w.DType || !slices.Equal(v.Shape, w.Shape) || v.Trainable != w.Trainable || !bytes.Equal(v.Data, w.Data) {
			t.Errorf("variable %d is %+v, want %+v", i, v, w)
		}
	}
	mf := c.Manifest
	if mf.FormatVersion != FormatVersion || mf.Step != 42 || mf.Epoch != 4 || mf.Reason != "epoch" || mf.Metrics["val_accuracy"] != 0.75 || mf.Created.IsZero() {
		t.Errorf("manifest %+v", mf)
	}
	var total int64
	for _, f := range mf.Files {
		total += f.Size
	}
	info, err := os.Stat(filepath.Join(path, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	if size != total+info.Size() {
		t.Errorf("Save reported %d bytes, the files hold %d", size, total+info.Size())
	}
	if got := names(t, m.Dir); !slices.Equal(got, []string{"ckpt-000000042"}) {
		t.Errorf("checkpoints folder holds %v, want only the checkpoint", got)
	}
}

// Each corruption must fail Verify and Open with its sentinel error, name
// the file concerned, and make Latest fall back to the previous checkpoint.
func TestCorruptCheckpoints(t *testing.T) {
	rewriteManifest := func(t *testing.T, dir string, edit func(*Manifest)) {
		m, err := ReadManifest(dir)
		if err != nil {
			t.Fatal(err)
		}
		edit(&m)
		raw, _ := json.Marshal(m)
		if err := os.WriteFile(filepath.Join(dir, ManifestFile), raw, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name    string
		corrupt func(t *testing.T, dir string)
		want    error
		file    string // named in the error
	}{
		{"a flipped byte in variables.bin fails the checksum", func(t *testing.T, dir string) {
			p := filepath.Join(dir, BlobFile)
			raw, _ := os.ReadFile(p)
			raw[len(raw)/2] ^= 0x01
			os.WriteFile(p, raw, 0o644)
		}, ErrChecksum, BlobFile},
		{"a flipped byte in meta.json fails the checksum", func(t *testing.T, dir string) {
			p := filepath.Join(dir, MetaFile)
			raw, _ := os.ReadFile(p)
			raw[3] ^= 0x20
			os.WriteFile(p, raw, 0o644)
		}, ErrChecksum, MetaFile},
		{"a deleted meta.json is missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, MetaFile))
		}, ErrMissing, MetaFile},
		{"a deleted manifest.json is missing", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, ManifestFile))
		}, ErrMissing, ManifestFile},
		{"a truncated variables.bin has the wrong size", func(t *testing.T, dir string) {
			os.Truncate(filepath.Join(dir, BlobFile), 10)
		}, ErrSize, BlobFile},
		{"an empty variables.bin has the wrong size", func(t *testing.T, dir string) {
			os.Truncate(filepath.Join(dir, BlobFile), 0)
		}, ErrSize, BlobFile},
		{"a manifest of format version 99 is unsupported", func(t *testing.T, dir string) {
			rewriteManifest(t, dir, func(m *Manifest) { m.FormatVersion = 99 })
		}, ErrVersion, "99"},
		{"a manifest of garbage does not parse", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ManifestFile), []byte("\x00\x01 not json {"), 0o644)
		}, ErrManifest, ManifestFile},
		{"an empty manifest does not parse", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, ManifestFile), nil, 0o644)
		}, ErrManifest, ManifestFile},
		{"a manifest that omits variables.bin is incomplete", func(t *testing.T, dir string) {
			rewriteManifest(t, dir, func(m *Manifest) {
				m.Files = slices.DeleteFunc(m.Files, func(f FileEntry) bool { return f.Name == BlobFile })
			})
		}, ErrManifest, BlobFile},
		{"variables.json pointing outside variables.bin is inconsistent", func(t *testing.T, dir string) {
			p := filepath.Join(dir, VariablesFile)
			raw, _ := os.ReadFile(p)
			var vars []Variable
			json.Unmarshal(raw, &vars)
			vars[0].Size += 100
			raw, _ = json.Marshal(vars)
			os.WriteFile(p, raw, 0o644)
			// Re-checksum it, as a buggy writer would have.
			entry, err := writeFile(osWriter{}, p+".new", [][]byte{raw})
			if err != nil {
				t.Fatal(err)
			}
			os.Remove(p + ".new")
			rewriteManifest(t, dir, func(m *Manifest) {
				for i := range m.Files {
					if m.Files[i].Name == VariablesFile {
						m.Files[i].Size, m.Files[i].SHA256 = entry.Size, entry.SHA256
					}
				}
			})
		}, ErrCorrupt, "/dense/weights"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, 5, "")
			older := mustSave(t, m, snapshot(1, -1))
			newest := mustSave(t, m, snapshot(2, -1))
			tt.corrupt(t, newest)

			_, verr := Verify(newest)
			c, err := Open(newest)
			for _, e := range []error{err, verr} {
				if tt.want == ErrCorrupt && e == verr { // sizes and checksums match
					continue
				}
				if !errors.Is(e, tt.want) {
					t.Fatalf("error %v, want %v", e, tt.want)
				}
				if !strings.Contains(e.Error(), tt.file) || !strings.Contains(e.Error(), newest) {
					t.Errorf("error %q does not name %s and the checkpoint", e, tt.file)
				}
			}
			if c != nil {
				t.Errorf("Open returned a checkpoint with the error")
			}

			got, skipped, err := Latest(m.Dir)
			if err != nil {
				t.Fatal(err)
			}
			if got.Dir != older {
				t.Errorf("Latest opened %s, want the older %s", got.Dir, older)
			}
			if len(skipped) != 1 || !errors.Is(skipped[0], tt.want) {
				t.Errorf("skipped %v, want one error wrapping %v", skipped, tt.want)
			}
			infos, err := List(m.Dir, true)
			if err != nil || len(infos) != 2 || infos[0].Err != nil {
				t.Fatalf("List(verify): %+v, %v", infos, err)
			}
			// Verify checks sizes and checksums only: the contents of
			// variables.json are checked by Open.
			if tt.want != ErrCorrupt && !errors.Is(infos[1].Err, tt.want) {
				t.Errorf("List(verify) says %v of the newest, want %v", infos[1].Err, tt.want)
			}
		})
	}
}

// Every strict prefix of a manifest fails to parse, never loads.
func TestTruncatedManifest(t *testing.T) {
	m := newManager(t, 1, "")
	dir := mustSave(t, m, snapshot(3, 0.5))
	raw, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(raw) {
		if err := os.WriteFile(filepath.Join(dir, ManifestFile), raw[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Open(dir); !errors.Is(err, ErrManifest) {
			t.Fatalf("manifest cut to %d of %d bytes: error %v, want %v", n, len(raw), err, ErrManifest)
		}
	}
}

// Every prefix of variables.bin and variables.json fails Open with ErrSize.
func TestTruncatedFiles(t *testing.T) {
	for _, name := range []string{BlobFile, VariablesFile, MetaFile} {
		m := newManager(t, 1, "")
		dir := mustSave(t, m, snapshot(3, 0.5))
		p := filepath.Join(dir, name)
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(raw) {
			if err := os.WriteFile(p, raw[:n], 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := Open(dir); !errors.Is(err, ErrSize) {
				t.Fatalf("%s cut to %d of %d bytes: error %v, want %v", name, n, len(raw), err, ErrSize)
			}
		}
	}
}

func FuzzReadManifest(f *testing.F) {
	dir := f.TempDir()
	path, _, err := save(dir, snapshot(7, 0.9), osWriter{}, ManagerOptions{})
	if err != nil {
		f.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(path, ManifestFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add([]byte(`{"format_version":1,"files":[]}`))
	d := f.TempDir() // one per fuzzing process; t.TempDir per input is slow
	f.Fuzz(func(t *testing.T, raw []byte) {
		if err := os.WriteFile(filepath.Join(d, ManifestFile), raw, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := ReadManifest(d)
		if err == nil && m.FormatVersion != FormatVersion {
			t.Fatalf("accepted format version %d", m.FormatVersion)
		}
		if _, err := Open(d); err == nil {
			t.Fatalf("opened a checkpoint without its files")
		}
	})
}

// fullDisk creates files that fail with ENOSPC once budget bytes have been
// written in all, as a disk filling up during a save.
type fullDisk struct {
	budget  int64
	written int64
}

func (d *fullDisk) create(path string) (io.WriteCloser, error) {
	f, err := osWriter{}.create(path)
	if err != nil {
		return nil, err
	}
	return &fullFile{f: f.(*os.File), disk: d}, nil
}

type fullFile struct {
	f    *os.File
	disk *fullDisk
}

func (f *fullFile) Write(p []byte) (int, error) {
	room := f.disk.budget - f.disk.written
	if int64(len(p)) <= room {
		n, err := f.f.Write(p)
		f.disk.written += int64(n)
		return n, err
	}
	n, _ := f.f.Write(p[:max(room, 0)])
	f.disk.written += int64(n)
	return n, &os.PathError{Op: "write", Path: f.f.Name(), Err: syscall.ENOSPC}
}

func (f *fullFile) Sync() error  { return f.f.Sync() }
func (f *fullFile) Close() error { return f.f.Close() }

// fileSizes returns the sizes of the files Save writes for snap, in the
// order it writes them.
func fileSizes(t *testing.T, snap Snapshot) []int64 {
	t.Helper()
	path, _, err := save(t.TempDir(), snap, osWriter{}, ManagerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for _, name := range []string{MetaFile, VariablesFile, BlobFile, ManifestFile} {
		info, err := os.Stat(filepath.Join(path, name))
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, info.Size())
	}
	return sizes
}

// A disk that fills up during a save fails it with an error naming the
// file, and leaves the previous checkpoint as the latest, with nothing of
// the failed one behind.
func TestSaveOnAFullDisk(t *testing.T) {
	snap := snapshot(20, 0.9)
	sizes := fileSizes(t, snap)
	var before int64
	for i, name := range []string{MetaFile, VariablesFile, BlobFile, ManifestFile} {
		last := sizes[i] - 1
		if name == ManifestFile {
			// Its creation time has a varying number of digits.
			last = sizes[i] - 20
		}
		for _, tc := range []struct {
			where  string
			budget int64
		}{
			{"at its first byte", before},
			{"in its middle", before + sizes[i]/2},
			{"near its end", before + last},
		} {
			t.Run(fmt.Sprintf("the disk fills %s of %s", tc.where, name), func(t *testing.T) {
				m := newManager(t, 3, "val_accuracy")
				previous := mustSave(t, m, snapshot(10, 0.5))
				m.w = &fullDisk{budget: tc.budget}
				path, size, err := m.Save(snap)
				if err == nil {
					t.Fatalf("save succeeded (%s, %d bytes) on a full disk", path, size)
				}
				if !errors.Is(err, syscall.ENOSPC) {
					t.Errorf("error %v does not wrap ENOSPC", err)
				}
				msg := err.Error()
				if !strings.Contains(msg, name) || !strings.Contains(msg, "ckpt-000000020") || !strings.Contains(msg, "no space left") {
					t.Errorf("error %q does not name %s, the checkpoint and the cause", msg, name)
				}
				if strings.Contains(msg, tmpPrefix) {
					t.Errorf("error %q names the temporary folder, gone by now", msg)
				}
				if got := names(t, m.Dir); !slices.Equal(got, []string{"ckpt-000000010"}) {
					t.Errorf("checkpoints folder holds %v, want only the previous checkpoint", got)
				}
				c, skipped, err := Latest(m.Dir)
				if err != nil || c.Dir != previous || len(skipped) != 0 {
					t.Errorf("Latest: %v, skipped %v, error %v; want %s", c, skipped, err, previous)
				}
			})
		}
		before += sizes[i]
	}
}

// A full disk while replacing a checkpoint of the same step keeps the old one.
func TestFailedResaveKeepsTheOldCheckpoint(t *testing.T) {
	m := newManager(t, 3, "")
	old := snapshot(5, 0.5)
	path := mustSave(t, m, old)
	m.w = &fullDisk{budget: 100}
	resave := snapshot(5, 0.7)
	resave.Variables[0].Data[0] ^= 0xff
	if _, _, err := m.Save(resave); !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("error %v, want ENOSPC", err)
	}
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(c.Variables[0].Data, old.Variables[0].Data) || c.Manifest.Metrics["val_accuracy"] != 0.5 {
		t.Errorf("the checkpoint changed after a failed save: %+v", c.Manifest)
	}
	if got := names(t, m.Dir); !slices.Equal(got, []string{"ckpt-000000005"}) {
		t.Errorf("checkpoints folder holds %v", got)
	}
}

func TestSaveIntoAReadOnlyFolder(t *testing.T) {
	m := newManager(t, 3, "")
	previous := mustSave(t, m, snapshot(1, -1))
	if err := os.Chmod(m.Dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(m.Dir, 0o755) })
	probe := filepath.Join(m.Dir, "probe")
	if f, err := os.Create(probe); err == nil {
		f.Close()
		os.Remove(probe)
		t.Skip("the folder is writable despite chmod 0555 (running as root?)")
	}
	if _, _, err := m.Save(snapshot(2, -1)); err == nil || !errors.Is(err, os.ErrPermission) {
		t.Fatalf("error %v, want permission denied", err)
	}
	c, skipped, err := Latest(m.Dir)
	if err != nil || c.Dir != previous || len(skipped) != 0 {
		t.Errorf("Latest: %v, skipped %v, error %v; want %s", c, skipped, err, previous)
	}
	if got := names(t, m.Dir); !slices.Equal(got, []string{"ckpt-000000001"}) {
		t.Errorf("checkpoints folder holds %v", got)
	}
}

func TestRetention(t *testing.T) {
	tests := []struct {
		name     string
		keepLast int
		best     string
		protect  int       // step, 0 for none
		accs     []float64 // val_accuracy of steps 1, 2, ...; < 0 for none
		want     []int     // steps kept
	}{
		{"the 2 newest, the best and the protected are kept", 2, "val_accuracy", 1,
			[]float64{0.5, 0.9, 0.6, 0.7, 0.8}, []int{1, 2, 4, 5}},
		{"a best among the newest keeps nothing more", 2, "val_accuracy", 0,
			[]float64{0.5, 0.6, 0.7, 0.8, 0.9}, []int{4, 5}},
		{"without a best metric only the newest are kept", 2, "", 0,
			[]float64{0.5, 0.9, 0.6, 0.7, 0.8}, []int{4, 5}},
		{"checkpoints without the metric cannot be best", 1, "val_accuracy", 0,
			[]float64{-1, 0.3, -1, -1, -1}, []int{2, 5}},
		{"keep-last 0 keeps the newest", 0, "", 0,
			[]float64{0.1, 0.2, 0.3}, []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newManager(t, tt.keepLast, tt.best)
			if tt.protect > 0 {
				m.Protect = filepath.Join(m.Dir, Dirname(tt.protect))
			}
			for i, acc := range tt.accs {
				mustSave(t, m, snapshot(i+1, acc))
			}
			var want []string
			for _, s := range tt.want {
				want = append(want, Dirname(s))
			}
			if got := names(t, m.Dir); !slices.Equal(got, want) {
				t.Errorf("kept %v, want %v", got, want)
			}
			if deleted, err := m.Prune(); err != nil || len(deleted) != 0 {
				t.Errorf("a second Prune deleted %v, error %v; want nothing", deleted, err)
			}
		})
	}
}

// Prune leaves alone a checkpoint whose manifest does not read: the user
// may want to look at it.
func TestPruneLeavesUnreadableCheckpoints(t *testing.T) {
	m := newManager(t, 10, "")
	first := mustSave(t, m, snapshot(1, -1))
	os.WriteFile(filepath.Join(first, ManifestFile), []byte("garbage"), 0o644)
	for step := 2; step <= 4; step++ {
		mustSave(t, m, snapshot(step, -1))
	}
	m.KeepLast = 1
	deleted, err := m.Prune()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(m.Dir, Dirname(2)), filepath.Join(m.Dir, Dirname(3))}; !slices.Equal(deleted, want) {
		t.Errorf("deleted %v, want %v", deleted, want)
	}
	if got := names(t, m.Dir); !slices.Equal(got, []string{Dirname(1), Dirname(4)}) {
		t.Errorf("kept %v", got)
	}
}

func TestLatest(t *testing.T) {
	t.Run("an empty or missing folder has no checkpoint", func(t *testing.T) {
		for _, dir := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing")} {
			c, skipped, err := Latest(dir)
			if !errors.Is(err, ErrNone) || c != nil || len(skipped) != 0 {
				t.Errorf("Latest(%s): %v, %v, %v; want ErrNone", dir, c, skipped, err)
			}
		}
	})
	t.Run("a corrupt newest checkpoint is skipped and reported", func(t *testing.T) {
		m := newManager(t, 5, "")
		older := mustSave(t, m, snapshot(1, -1))
		newest := mustSave(t, m, snapshot(2, -1))
		os.Truncate(filepath.Join(newest, BlobFile), 1)
		c, skipped, err := Latest(m.Dir)
		if err != nil || c.Dir != older {
			t.Fatalf("Latest: %v, %v; want %s", c, err, older)
		}
		if len(skipped) != 1 || !errors.Is(skipped[0], ErrSize) || !strings.Contains(skipped[0].Error(), newest) {
			t.Errorf("skipped %v, want the truncated %s", skipped, newest)
		}
	})
	t.Run("all corrupt is ErrNone with every error", func(t *testing.T) {
		m := newManager(t, 5, "")
		for step := 1; step <= 2; step++ {
			os.Remove(filepath.Join(mustSave(t, m, snapshot(step, -1)), MetaFile))
		}
		c, skipped, err := Latest(m.Dir)
		if !errors.Is(err, ErrNone) || c != nil || len(skipped) != 2 {
			t.Errorf("Latest: %v, skipped %v, error %v; want ErrNone and two skipped", c, skipped, err)
		}
	})
	t.Run("steps order numerically, not by save time", func(t *testing.T) {
		m := newManager(t, 5, "")
		mustSave(t, m, snapshot(100, -1))
		mustSave(t, m, snapshot(9, -1))
		c, _, err := Latest(m.Dir)
		if err != nil || c.Manifest.Step != 100 {
			t.Errorf("Latest: %v, %v; want step 100", c, err)
		}
	})
}

func TestCleanTemp(t *testing.T) {
	m := newManager(t, 5, "")
	kept := mustSave(t, m, snapshot(1, -1))
	for _, name := range []string{".tmp-ckpt-000000002-123", ".tmp-deleted-ckpt-000000000"} {
		if err := os.MkdirAll(filepath.Join(m.Dir, name, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(m.Dir, name, BlobFile), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(m.Dir, "notes.txt"), []byte("mine"), 0o644)
	if infos, err := List(m.Dir, true); err != nil || len(infos) != 1 || infos[0].Dir != kept {
		t.Errorf("List sees %+v, %v; want only %s", infos, err, kept)
	}
	if err := CleanTemp(m.Dir); err != nil {
		t.Fatal(err)
	}
	if got := names(t, m.Dir); !slices.Equal(got, []string{"ckpt-000000001", "notes.txt"}) {
		t.Errorf("after CleanTemp the folder holds %v", got)
	}
	if err := CleanTemp(filepath.Join(m.Dir, "missing")); err != nil {
		t.Errorf("CleanTemp of a missing folder: %v", err)
	}
	t.Run("NewManager cleans too", func(t *testing.T) {
		os.Mkdir(filepath.Join(m.Dir, ".tmp-ckpt-000000003-9"), 0o755)
		if _, err := NewManager(m.Dir, 1, "", ManagerOptions{}); err != nil {
			t.Fatal(err)
		}
		if got := names(t, m.Dir); !slices.Equal(got, []string{"ckpt-000000001", "notes.txt"}) {
			t.Errorf("after NewManager the folder holds %v", got)
		}
	})
}

func TestSaveAtAnExistingStepReplacesIt(t *testing.T) {
	m := newManager(t, 5, "")
	first := snapshot(7, 0.1)
	path := mustSave(t, m, first)
	second := snapshot(7, 0.2)
	second.Reason = "interrupt"
	second.Variables[0].Data = bytes.Repeat([]byte{0xab}, 24)
	if again := mustSave(t, m, second); again != path {
		t.Errorf("second save went to %s, want %s", again, path)
	}
	c, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if c.Manifest.Reason != "interrupt" || c.Manifest.Metrics["val_accuracy"] != 0.2 || !bytes.Equal(c.Variables[0].Data, second.Variables[0].Data) {
		t.Errorf("the checkpoint holds %+v, want the second save", c.Manifest)
	}
	if got := names(t, m.Dir); !slices.Equal(got, []string{"ckpt-000000007"}) {
		t.Errorf("checkpoints folder holds %v, want one checkpoint and no leftovers", got)
	}
}

// TestReadMeta: meta.json alone, as saved, and not once it differs from
// the manifest (same size, other bytes; or another size).
func TestReadMeta(t *testing.T) {
	m := newManager(t, 3, "")
	dir, _, err := m.Save(snapshot(10, 0.5))
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReadMeta(dir)
	var meta testMeta
	if err != nil || json.Unmarshal(b, &meta) != nil || meta.Step != 10 || meta.Config != "mlp 784-10" {
		t.Fatalf("ReadMeta = %q, %v", b, err)
	}
	path := filepath.Join(dir, MetaFile)
	changed := bytes.Replace(b, []byte("10"), []byte("11"), 1)
	if err := os.WriteFile(path, changed, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMeta(dir); !errors.Is(err, ErrChecksum) {
		t.Errorf("a changed meta.json: %v, want ErrChecksum", err)
	}
	if err := os.WriteFile(path, append(changed, ' '), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMeta(dir); !errors.Is(err, ErrSize) {
		t.Errorf("a longer meta.json: %v, want ErrSize", err)
	}
}
