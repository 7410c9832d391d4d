package report

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadPNG(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	encode := func(w, h int) []byte {
		var buf bytes.Buffer
		if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	// A PNG whose header claims more pixels than allowed, without the pixels.
	huge := encode(1, 1)
	huge[16], huge[17], huge[18], huge[19] = 0, 0, 0x30, 0 // width 12,288
	binary.BigEndian.PutUint32(huge[29:], crc32.ChecksumIEEE(huge[12:29]))
	for _, tc := range []struct {
		name, path, err string
	}{
		{"a picture", write("ok.png", encode(40, 30)), ""},
		{"not a PNG", write("text.png", []byte("hello")), "not a PNG"},
		{"too many pixels", write("huge.png", huge), "at most 8192 a side"},
		{"too many bytes", write("big.png", append(encode(2, 2), make([]byte, maxPNGBytes)...)), "larger than 8 MB"},
		{"a folder", dir, "not a regular file"},
		{"missing", filepath.Join(dir, "none.png"), "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := ReadPNG(tc.path)
			if tc.err == "" {
				if err != nil || len(b) == 0 {
					t.Errorf("ReadPNG = %d bytes, %v", len(b), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ReadPNG error %v, want one saying %q", err, tc.err)
			}
		})
	}
}

// FuzzCheckPNG: whatever the bytes, ReadPNG's check does not panic, and
// what it accepts is a PNG header within its bounds.
func FuzzCheckPNG(f *testing.F) {
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 3, 2))); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		if checkPNG(b) != nil {
			return
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width < 1 || cfg.Height < 1 || cfg.Width > maxPNGSide || cfg.Height > maxPNGSide {
			t.Errorf("accepted %d bytes: %+v, %v", len(b), cfg, err)
		}
	})
}
