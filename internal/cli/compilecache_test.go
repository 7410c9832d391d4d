package cli

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestCompileCacheFlag checks that --compile-cache reaches the options of
// train's run and bench's measurements, from the command line and from a
// config file, and that the cache is on when the flag is not given.
func TestCompileCacheFlag(t *testing.T) {
	config := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(config, []byte("compile-cache: false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		off  bool
	}{
		{"not given, the cache is on", nil, false},
		{"--compile-cache=false turns it off", []string{"--compile-cache=false"}, true},
		{"--compile-cache keeps it on", []string{"--compile-cache"}, false},
		{"a config file's compile-cache: false turns it off", []string{"--config", config}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseTrain(tc.args, testEnv(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			if got := o.compileCache().Off; got != tc.off {
				t.Errorf("train %v: cache off %v, want %v", tc.args, got, tc.off)
			}
			if tc.args != nil && tc.args[0] == "--config" {
				return // bench reads no config file
			}
			b, err := parseBench(tc.args, testEnv(io.Discard))
			if err != nil {
				t.Fatal(err)
			}
			if got := b.cfg.CompileCache.Off; got != tc.off {
				t.Errorf("bench %v: cache off %v, want %v", tc.args, got, tc.off)
			}
		})
	}
}
