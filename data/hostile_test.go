package data_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/neurona/neurona/data"
)

// gzipIDX returns a gzipped IDX image file with the given dimensions whose
// data are dataBytes zeros, whatever the dimensions declare: a small file
// that can claim, and even hold, far more than it looks.
func gzipIDX(t *testing.T, dims []uint32, dataBytes int) []byte {
	t.Helper()
	var out bytes.Buffer
	zw, err := gzip.NewWriterLevel(&out, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	hdr := []byte{0, 0, 8, byte(len(dims))}
	for _, d := range dims {
		hdr = binary.BigEndian.AppendUint32(hdr, d)
	}
	if _, err := zw.Write(hdr); err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(make([]byte, dataBytes)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// allocated runs f and returns the bytes the Go heap allocated meanwhile.
// The tests that call it are not parallel, so the count is f's.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Issue 18 item 3: an image file that declares (and holds) far more images
// than its label file has labels is refused from the two headers, before
// its data is decompressed. The file here is 31 KB of gzip holding 31 MB.
func TestLoadDirComparesCountsBeforeData(t *testing.T) {
	const n = 40000 // images of 28x28: 31,360,000 bytes of data
	bomb := gzipIDX(t, []uint32{n, 28, 28}, n*28*28)
	const limit = 4 << 20
	for _, how := range []string{"LoadDir", "Verify"} {
		t.Run(how, func(t *testing.T) {
			dir := copyMini(t, func(s string) string { return s + ".gz" })
			if err := os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"), bomb, 0o644); err != nil {
				t.Fatal(err)
			}
			var err error
			got := allocated(func() {
				if how == "LoadDir" {
					_, err = data.LoadDir(dir)
				} else {
					err = data.Verify(dir)[0].Err
				}
			})
			if !errors.Is(err, data.ErrCountMismatch) || !strings.Contains(err.Error(), "40000 images") {
				t.Errorf("%s error %v, want a count mismatch naming the 40000 images", how, err)
			}
			if got > limit {
				t.Errorf("%s allocated %d bytes for a %d-byte file before refusing it, want at most %d",
					how, got, len(bomb), limit)
			}
		})
	}
}

// A gzip file cannot expand by more than deflate's 1032:1, so a header that
// declares more than that is refused before anything is read, while a file
// near that ratio still reads.
func TestReadIDXFileGzipRatio(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name      string
		dims      []uint32
		dataBytes int
		want      error // nil: it reads
	}{
		{"4 MB of zeros in 4 KB of gzip read", []uint32{4 << 20}, 4 << 20, nil},
		{"a 1 KB gzip file claiming 64 MB is refused", []uint32{64 << 20}, 1000, data.ErrSizeMismatch},
		{"a 1 KB gzip file claiming 1 GiB is refused", []uint32{1 << 10, 1 << 10, 1 << 10}, 1000, data.ErrSizeMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := gzipIDX(t, tt.dims, tt.dataBytes)
			path := filepath.Join(dir, "f.gz")
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			var m *data.IDX
			var err error
			got := allocated(func() { m, err = data.ReadIDXFile(path) })
			if tt.want == nil {
				if err != nil || len(m.Data) != tt.dataBytes {
					t.Fatalf("ReadIDXFile = %v, want %d bytes", err, tt.dataBytes)
				}
				return
			}
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), "gzip file can hold") {
				t.Errorf("ReadIDXFile error %v, want %v saying what the gzip file can hold", err, tt.want)
			}
			if limit := uint64(1 << 20); got > limit {
				t.Errorf("allocated %d bytes before refusing a %d-byte file, want at most %d", got, len(b), limit)
			}
		})
	}
}

// Issue 18 item 15: a raw file under a .gz name is refused, saying so.
func TestNotGzipUnderGzName(t *testing.T) {
	dir := copyMini(t, func(s string) string { return s + ".gz" })
	target := filepath.Join(dir, "t10k-labels-idx1-ubyte.gz")
	raw, err := os.ReadFile(filepath.Join("testdata", "idx", "labels-2.idx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(target, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	_, loadErr := data.LoadDir(dir)
	verifyErr := data.Verify(dir)[3].Err
	_, readErr := data.ReadIDXFile(target)
	for how, err := range map[string]error{"LoadDir": loadErr, "Verify": verifyErr, "ReadIDXFile": readErr} {
		if !errors.Is(err, data.ErrNotGzip) || !strings.Contains(err.Error(), target) ||
			!strings.Contains(err.Error(), "want 1f 8b") || errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s error %v, want ErrNotGzip naming %s and the magic wanted", how, err, target)
		}
	}
}

// Issue 18 item 15: with two spellings of one file present, one is read and
// the other must hold the same data; otherwise LoadDir and Verify refuse,
// naming both, rather than silently preferring the .gz.
func TestTwoCopiesOfAFile(t *testing.T) {
	const name = "train-labels-idx1-ubyte"
	good, err := os.ReadFile(filepath.Join(miniDir, name+".gz"))
	if err != nil {
		t.Fatal(err)
	}
	raw := gunzip(t, good)
	flipped := bytes.Clone(raw)
	flipped[len(flipped)-1] = 3 // a valid label, but not the one in the .gz
	tests := []struct {
		name    string
		gz, raw []byte
		want    error  // nil: loads
		mention string // the error names this
	}{
		{"an identical raw copy is accepted", good, raw, nil, ""},
		{"a truncated raw copy is refused", good, raw[:len(raw)-1], data.ErrAmbiguous, "truncated"},
		{"a raw copy with one label changed is refused", good, flipped, data.ErrAmbiguous, "they differ: data byte 2 is 3, not 9"},
		{"a raw copy with a byte more is refused", good, append(bytes.Clone(raw), 1), data.ErrSizeMismatch, "file has 4"},
		{"a broken .gz beside a good raw copy is refused", good[:len(good)-5], raw, data.ErrTruncated, "also present"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := copyMini(t, func(s string) string { return s + ".gz" })
			gzPath, rawPath := filepath.Join(dir, name+".gz"), filepath.Join(dir, name)
			if err := os.WriteFile(gzPath, tt.gz, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(rawPath, tt.raw, 0o644); err != nil {
				t.Fatal(err)
			}
			m, loadErr := data.LoadDir(dir)
			st := data.Verify(dir)[1]
			if tt.want == nil {
				if loadErr != nil || st.Err != nil {
					t.Fatalf("LoadDir: %v; Verify: %v", loadErr, st.Err)
				}
				if len(m.Files) != len(data.Files) || m.Files[1] != gzPath || st.Path != gzPath || len(st.Others) != 1 || st.Others[0] != rawPath {
					t.Errorf("LoadDir read %v, Verify %s with others %v; want %s with %s beside it",
						m.Files, st.Path, st.Others, gzPath, rawPath)
				}
				return
			}
			for how, err := range map[string]error{"LoadDir": loadErr, "Verify": st.Err} {
				if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), gzPath) ||
					!strings.Contains(err.Error(), rawPath) || !strings.Contains(err.Error(), tt.mention) {
					t.Errorf("%s error %v, want %v naming both files and %q", how, err, tt.want, tt.mention)
				}
			}
		})
	}
}

// Issue 18 item 15: a directory or a device where a data file should be is
// reported as what it is, never as missing (so that the command line can
// tell "not there" from "there but bad"); a missing file still wraps
// fs.ErrNotExist. Named pipes are in hostile_unix_test.go.
func TestNotARegularFile(t *testing.T) {
	const name = "t10k-images-idx3-ubyte.gz"
	tests := []struct {
		name    string
		make    func(t *testing.T, path string)
		want    error
		mention string
	}{
		{"a directory", func(t *testing.T, p string) {
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
		}, data.ErrNotRegular, "is a directory"},
		{"/dev/zero", func(t *testing.T, p string) {
			if _, err := os.Stat("/dev/zero"); err != nil {
				t.Skip("no /dev/zero here")
			}
			if err := os.Symlink("/dev/zero", p); err != nil {
				t.Skip(err)
			}
		}, data.ErrNotRegular, "is not a regular file (character device)"},
		{"a symbolic link to nothing", func(t *testing.T, p string) {
			if err := os.Symlink(filepath.Join(filepath.Dir(p), "gone"), p); err != nil {
				t.Skip(err)
			}
		}, data.ErrNotRegular, "is a symbolic link to a missing file"},
		{"nothing", func(*testing.T, string) {}, fs.ErrNotExist, name},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkNotRegular(t, tt.make, name, tt.want, tt.mention)
		})
	}
}

// checkNotRegular puts what mk makes at name in a copy of the mini folder
// and checks that LoadDir, Verify and ReadIDXFile all fail with want,
// naming the path and mention, and that only a missing file wraps
// fs.ErrNotExist.
func checkNotRegular(t *testing.T, mk func(*testing.T, string), name string, want error, mention string) {
	t.Helper()
	dir := copyMini(t, func(s string) string { return s + ".gz" })
	path := filepath.Join(dir, name)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	mk(t, path)
	_, loadErr := data.LoadDir(dir)
	verifyErr := data.Verify(dir)[2].Err
	_, readErr := data.ReadIDXFile(path)
	for how, err := range map[string]error{"LoadDir": loadErr, "Verify": verifyErr, "ReadIDXFile": readErr} {
		if !errors.Is(err, want) || !strings.Contains(err.Error(), mention) {
			t.Errorf("%s error %v, want %v saying %q", how, err, want, mention)
		}
		if missing := errors.Is(err, fs.ErrNotExist); missing != (want == fs.ErrNotExist) {
			t.Errorf("%s error %v wraps fs.ErrNotExist: %v, want %v", how, err, missing, !missing)
		}
	}
}
