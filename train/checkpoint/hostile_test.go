package checkpoint

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// A 40 GB (sparse) variables.bin must be refused by its size before any
// of it is read: Verify, Open and Latest stay small and Latest reaches the
// older valid checkpoint.
func TestHugeFileIsRefusedUnread(t *testing.T) {
	for _, name := range []string{BlobFile, MetaFile, VariablesFile, ManifestFile} {
		t.Run(name, func(t *testing.T) {
			m := newManager(t, 5, "")
			older := mustSave(t, m, snapshot(1, -1))
			newest := mustSave(t, m, snapshot(2, -1))
			if err := os.Truncate(filepath.Join(newest, name), 40<<30); err != nil {
				t.Skipf("cannot make a sparse 40 GB file here: %v", err)
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, verr := Verify(newest)
			_, oerr := Open(newest)
			c, skipped, lerr := Latest(m.Dir)
			runtime.ReadMemStats(&after)
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
				t.Errorf("allocated %d bytes checking a checkpoint of a few hundred bytes and a 40 GB file", alloc)
			}
			want := ErrSize
			if name == ManifestFile {
				want = ErrManifest
			}
			for _, err := range []error{verr, oerr} {
				if !errors.Is(err, want) || !strings.Contains(err.Error(), newest) || !strings.Contains(err.Error(), name) {
					t.Errorf("error %v, want %v naming %s and %s", err, want, newest, name)
				}
			}
			if lerr != nil || c.Dir != older || len(skipped) != 1 {
				t.Errorf("Latest: %v, %v, %v; want %s", c, skipped, lerr, older)
			}
		})
	}
}

// Only folders named ckpt-<9 digits> are checkpoints: a user's copies and
// backups are never opened, taken as the newest, nor deleted by Prune; a
// folder whose name and manifest disagree on the step is invalid.
func TestOnlyNeuronaNamesAreCheckpoints(t *testing.T) {
	m := newManager(t, 1, "")
	mustSave(t, m, snapshot(100, -1))
	kept := mustSave(t, m, snapshot(211, -1))
	copyTo := func(name string) string {
		dst := filepath.Join(m.Dir, name)
		if err := os.CopyFS(dst, os.DirFS(kept)); err != nil {
			t.Fatal(err)
		}
		return dst
	}
	manual := copyTo("ckpt-manual")
	backup := copyTo("ckpt-000000211-backup")
	short := copyTo("ckpt-5")
	renamed := copyTo("ckpt-000000999") // manifest says step 211
	if err := os.Symlink(kept, filepath.Join(m.Dir, "ckpt-000001000")); err != nil {
		t.Fatal(err)
	}

	c, skipped, err := Latest(m.Dir)
	if err != nil || c.Dir != kept {
		t.Fatalf("Latest: %v, %v; want %s", c, err, kept)
	}
	if len(skipped) != 1 || !errors.Is(skipped[0], ErrManifest) || !strings.Contains(skipped[0].Error(), renamed) {
		t.Errorf("skipped %v, want the renamed copy, whose manifest says another step", skipped)
	}
	infos, err := List(m.Dir, true)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, info := range infos {
		dirs = append(dirs, filepath.Base(info.Dir))
	}
	if !slices.Equal(dirs, []string{"ckpt-000000211", "ckpt-000000999"}) {
		t.Errorf("List: %v, want the saved checkpoint and the misnamed one", dirs)
	}
	if _, err := m.Prune(); err != nil {
		t.Fatal(err)
	}
	mustSave(t, m, snapshot(300, -1)) // prunes with KeepLast 1
	for _, dir := range []string{manual, backup, short, renamed} {
		if _, err := os.Stat(filepath.Join(dir, ManifestFile)); err != nil {
			t.Errorf("%s was touched: %v", dir, err)
		}
	}
	if _, err := os.Stat(kept); !os.IsNotExist(err) {
		t.Errorf("the older saved checkpoint %s was not pruned: %v", kept, err)
	}
}

// A checkpoint's files must be regular files inside it: a symlink (even to
// a valid copy of the same file), a folder or a FIFO is refused unread.
func TestCheckpointFilesMustBeRegular(t *testing.T) {
	for _, name := range []string{MetaFile, BlobFile, VariablesFile, ManifestFile} {
		for _, kind := range []string{"symlink to an identical file", "symlink to /etc/hostname", "folder", "fifo"} {
			t.Run(name+" as "+kind, func(t *testing.T) {
				m := newManager(t, 5, "")
				older := mustSave(t, m, snapshot(1, -1))
				newest := mustSave(t, m, snapshot(2, -1))
				path := filepath.Join(newest, name)
				outside := filepath.Join(t.TempDir(), name)
				raw, _ := os.ReadFile(path)
				os.WriteFile(outside, raw, 0o644)
				os.Remove(path)
				var err error
				switch kind {
				case "symlink to an identical file":
					err = os.Symlink(outside, path)
				case "symlink to /etc/hostname":
					err = os.Symlink("/etc/hostname", path)
				case "folder":
					err = os.Mkdir(path, 0o755)
				case "fifo":
					err = syscall.Mkfifo(path, 0o644)
				}
				if err != nil {
					t.Skipf("cannot make a %s: %v", kind, err)
				}
				for _, e := range []error{verifyErr(newest), openErr(newest)} {
					if !errors.Is(e, ErrNotRegular) || !strings.Contains(e.Error(), newest) || !strings.Contains(e.Error(), name) {
						t.Errorf("error %v, want ErrNotRegular naming %s and %s", e, newest, name)
					}
				}
				if c, _, err := Latest(m.Dir); err != nil || c.Dir != older {
					t.Errorf("Latest: %v, %v; want %s", c, err, older)
				}
			})
		}
	}
}

func verifyErr(dir string) error { _, err := Verify(dir); return err }
func openErr(dir string) error   { _, err := Open(dir); return err }

// Saving a step whose checkpoint is corrupt or of a newer format keeps the
// old folder for inspection as <name>.corrupt-<n> instead of deleting it.
func TestResaveKeepsAnInvalidCheckpointAside(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(dir string)
	}{
		{"corrupt", func(dir string) { os.Truncate(filepath.Join(dir, BlobFile), 3) }},
		{"newer format", func(dir string) {
			p := filepath.Join(dir, ManifestFile)
			raw, _ := os.ReadFile(p)
			os.WriteFile(p, []byte(strings.Replace(string(raw), `"format_version": 1`, `"format_version": 2`, 1)), 0o644)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newManager(t, 5, "")
			path := mustSave(t, m, snapshot(211, -1))
			tc.damage(path)
			damaged, _ := os.ReadFile(filepath.Join(path, ManifestFile))
			var asides []*SetAside
			m.opts.Warn = func(w error) {
				if a, ok := w.(*SetAside); ok {
					asides = append(asides, a)
				}
			}
			for n := 1; n <= 2; n++ {
				if again := mustSave(t, m, snapshot(211, -1)); again != path {
					t.Fatalf("saved to %s, want %s", again, path)
				}
				if _, err := Open(path); err != nil {
					t.Fatalf("the new save: %v", err)
				}
				if n == 1 {
					tc.damage(path)
				}
			}
			for _, aside := range []string{path + ".corrupt-1", path + ".corrupt-2"} {
				if _, err := os.Stat(filepath.Join(aside, ManifestFile)); err != nil {
					t.Errorf("%s not kept: %v", aside, err)
				}
			}
			if raw, _ := os.ReadFile(filepath.Join(path+".corrupt-1", ManifestFile)); string(raw) != string(damaged) {
				t.Errorf("the kept copy is not the damaged checkpoint")
			}
			if len(asides) != 2 || asides[0].Aside != path+".corrupt-1" || asides[0].Dir != path {
				t.Errorf("the moves reported %d warnings, want 2, the first of %s kept as %s", len(asides), path, path+".corrupt-1")
			}
			if got := names(t, m.Dir); !slices.Equal(got, []string{"ckpt-000000211", "ckpt-000000211.corrupt-1", "ckpt-000000211.corrupt-2"}) {
				t.Errorf("checkpoints folder holds %v", got)
			}
		})
	}
}
