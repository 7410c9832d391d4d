package backend

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestWithCacheFlag(t *testing.T) {
	const dir = "/c/neurona/xla-autotune/cuda-1"
	for _, tc := range []struct {
		name, flags string
		off         bool
		want        string
		wantSet     bool
	}{
		{"without user flags the cache flag stands alone", "", false, autotuneFlag + "=" + dir, true},
		{"the user's flags are kept and the cache flag follows them", "--xla_gpu_autotune_level=2  ", false,
			"--xla_gpu_autotune_level=2 " + autotuneFlag + "=" + dir, true},
		{"a cache folder the user named is kept, not doubled", "--a=1 " + autotuneFlag + "=/mine --b=2", false,
			"--a=1 " + autotuneFlag + "=/mine --b=2", false},
		{"the user's cache flag with one dash counts too", "-xla_gpu_per_fusion_autotune_cache_dir=/mine", false,
			"-xla_gpu_per_fusion_autotune_cache_dir=/mine", false},
		{"a flag that only starts like it is not it", autotuneFlag + "_other=1", false,
			autotuneFlag + "_other=1 " + autotuneFlag + "=" + dir, true},
		{"turned off, the user's flags stay as they are", "--xla_gpu_autotune_level=2", true, "--xla_gpu_autotune_level=2", false},
		{"turned off with no flags, nothing is added", "", true, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, set := withCacheFlag(tc.flags, dir, tc.off)
			if got != tc.want || set != tc.wantSet {
				t.Errorf("withCacheFlag(%q, off %v) = %q, %v; want %q, %v", tc.flags, tc.off, got, set, tc.want, tc.wantSet)
			}
		})
	}
}

func TestCompileCacheDirReadsXLAFlags(t *testing.T) {
	for _, tc := range []struct{ name, flags, want string }{
		{"no flags, no cache", "", ""},
		{"other flags, no cache", "--xla_gpu_autotune_level=0", ""},
		{"the cache folder among other flags", "--x=1 " + autotuneFlag + "=/c/k --y=2", "/c/k"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvXLAFlags, tc.flags)
			if got := CompileCacheDir(); got != tc.want {
				t.Errorf("CompileCacheDir with $XLA_FLAGS=%q: %q, want %q", tc.flags, got, tc.want)
			}
		})
	}
}

func TestCacheKeyChangesWithPluginAndGPU(t *testing.T) {
	mtime := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	base := pluginID{Path: "/venv/jax_plugins/xla_cuda13/xla_cuda_plugin.so", Size: 300 << 20, ModTime: mtime}
	gpus := []string{"NVIDIA H200"}
	key := cacheKey(base, gpus)
	if again := cacheKey(base, []string{"NVIDIA H200"}); again != key {
		t.Fatalf("the same plugin and GPU give two keys: %s, %s", key, again)
	}
	other := func(f func(*pluginID)) pluginID { p := base; f(&p); return p }
	for _, tc := range []struct {
		name   string
		plugin pluginID
		gpus   []string
	}{
		{"another plugin file", other(func(p *pluginID) { p.Path = "/usr/local/lib/go-xla/pjrt_c_api_cuda_plugin.so" }), gpus},
		{"the plugin upgraded in place (another size)", other(func(p *pluginID) { p.Size++ }), gpus},
		{"the plugin upgraded in place (another time)", other(func(p *pluginID) { p.ModTime = mtime.Add(time.Second) }), gpus},
		{"another GPU", base, []string{"NVIDIA A100-SXM4-80GB"}},
		{"no GPU known", base, nil},
		{"a second GPU", base, []string{"NVIDIA H200", "NVIDIA H200"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := cacheKey(tc.plugin, tc.gpus); got == key {
				t.Errorf("key %s is the same as the base's", got)
			}
		})
	}
}

func TestGPUModelIn(t *testing.T) {
	info := "Model: \t\t NVIDIA H200\nIRQ:   \t\t 42\nGPU UUID: \t GPU-1\n"
	if got := gpuModelIn(info); got != "NVIDIA H200" {
		t.Errorf("gpuModelIn: %q, want NVIDIA H200", got)
	}
	if got := gpuModelIn("IRQ: 42\n"); got != "" {
		t.Errorf("gpuModelIn without a Model line: %q, want nothing", got)
	}
}

// TestUnusableCacheFolderWarnsOnce checks that a cache folder that cannot
// be used leaves $XLA_FLAGS as the user set it and says so in one line,
// once, and that a usable one is made and added after the user's flags.
func TestUnusableCacheFolderWarnsOnce(t *testing.T) {
	tmp := t.TempDir()
	file := filepath.Join(tmp, "file")
	if err := os.WriteFile(file, []byte("not a folder"), 0o644); err != nil {
		t.Fatal(err)
	}
	readOnly := filepath.Join(tmp, "read-only")
	if err := os.Mkdir(readOnly, 0o555); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(tmp, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, dir string
		skip      string
	}{
		{"a file where the cache folder should be", file, ""},
		{"a file where a parent folder should be", filepath.Join(file, "cuda-1"), ""},
		{"a named pipe where the cache folder should be", fifo, ""},
		{"a read-only folder", filepath.Join(readOnly, "cuda-1"), rootSkip()},
		{"a folder where nothing can be made, even by root", "/proc/neurona-test-cache/cuda-1", ""},
		{"a path with a space, which $XLA_FLAGS cannot carry", filepath.Join(tmp, "a b"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.skip != "" {
				t.Skip(tc.skip)
			}
			const user = "--xla_gpu_autotune_level=4"
			t.Setenv(EnvXLAFlags, user)
			var warnings []string
			warn := func(w error) { warnings = append(warnings, w.Error()) }
			for range 2 {
				if setCacheFlag(tc.dir, warn) {
					t.Fatalf("setCacheFlag(%s) succeeded", tc.dir)
				}
			}
			if got := os.Getenv(EnvXLAFlags); got != user {
				t.Errorf("$XLA_FLAGS = %q, want the user's %q", got, user)
			}
			if len(warnings) != 1 || strings.Contains(warnings[0], "\n") || !strings.Contains(warnings[0], "compiling without it") {
				t.Errorf("want one warning line saying the cache is skipped, got %q", warnings)
			}
		})
	}
	t.Run("a usable folder is made and follows the user's flags", func(t *testing.T) {
		t.Setenv(EnvXLAFlags, "--xla_gpu_autotune_level=4")
		dir := filepath.Join(tmp, "new", "cuda-1")
		var warnings []string
		if !setCacheFlag(dir, func(w error) { warnings = append(warnings, w.Error()) }) || len(warnings) > 0 {
			t.Fatalf("setCacheFlag(%s) failed: %q", dir, warnings)
		}
		if want := "--xla_gpu_autotune_level=4 " + autotuneFlag + "=" + dir; os.Getenv(EnvXLAFlags) != want {
			t.Errorf("$XLA_FLAGS = %q, want %q", os.Getenv(EnvXLAFlags), want)
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Errorf("the cache folder was not made: %v", err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("the write test left %d files in the cache folder", len(entries))
		}
	})
}

// rootSkip is why a permission test cannot run: root writes anywhere.
func rootSkip() string {
	if os.Geteuid() == 0 {
		return "running as root, which writes into a read-only folder (the /proc case covers an unwritable place)"
	}
	return ""
}

// TestCompileCacheIsOnlyForCUDA checks which backends get the cache, with
// a plugin that stands for the one go-xla would load.
func TestCompileCacheIsOnlyForCUDA(t *testing.T) {
	plugin := func(string) (pluginID, error) {
		return pluginID{Path: "/p/xla_cuda_plugin.so", Size: 1, ModTime: time.Unix(1, 0)}, nil
	}
	for _, tc := range []struct {
		name    string
		backend string
		opts    CacheOptions
		cached  bool
	}{
		{"xla:cuda gets a keyed folder under the root", "xla:cuda", CacheOptions{}, true},
		{"the Go backend compiles no GPU kernels", Go, CacheOptions{}, false},
		{"xla:cpu autotunes nothing", "xla:cpu", CacheOptions{}, false},
		{"--compile-cache=false adds nothing", "xla:cuda", CacheOptions{Off: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvXLAFlags, "--x=1")
			root := t.TempDir()
			tc.opts.Root = root
			useCompileCache(tc.backend, tc.opts, plugin, func(w error) { t.Errorf("warning: %v", w) })
			entries, _ := os.ReadDir(root)
			got := os.Getenv(EnvXLAFlags)
			if !tc.cached {
				if got != "--x=1" || len(entries) > 0 {
					t.Errorf("$XLA_FLAGS = %q and %d folders made; want the user's flags alone and none", got, len(entries))
				}
				return
			}
			if len(entries) != 1 || !strings.HasPrefix(entries[0].Name(), "cuda-") {
				t.Fatalf("want one cuda-<key> folder under the root, got %d entries", len(entries))
			}
			if want := "--x=1 " + autotuneFlag + "=" + filepath.Join(root, entries[0].Name()); got != want {
				t.Errorf("$XLA_FLAGS = %q, want %q", got, want)
			}
		})
	}
}

func TestCacheUseState(t *testing.T) {
	for _, tc := range []struct {
		name string
		use  CacheUse
		want string
	}{
		{"no cache, nothing to say", CacheUse{}, ""},
		{"an empty cache is cold", CacheUse{Dir: "/c", Before: 0, After: 12}, "cold"},
		{"nothing new written is warm", CacheUse{Dir: "/c", Before: 12, After: 12}, "warm"},
		{"some new entries is partly warm", CacheUse{Dir: "/c", Before: 12, After: 20}, "partly warm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.use.State(); got != tc.want {
				t.Errorf("State of %+v: %q, want %q", tc.use, got, tc.want)
			}
		})
	}
}

func TestCacheEntriesCountsFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a.textproto", "b.textproto", ".write-test-1", "sub/c.textproto"} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if got := cacheEntries(dir); got != 3 {
		t.Errorf("cacheEntries: %d, want 3 (hidden files left out)", got)
	}
	if got := cacheEntries(filepath.Join(dir, "absent")); got != 0 {
		t.Errorf("cacheEntries of an absent folder: %d, want 0", got)
	}
	t.Setenv(EnvXLAFlags, autotuneFlag+"="+dir)
	use := StartCacheUse("xla:cuda")
	if err := os.WriteFile(filepath.Join(dir, "d.textproto"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if use = use.End(); use.Before != 3 || use.After != 4 || use.State() != "partly warm" {
		t.Errorf("a compilation that wrote one entry: %+v, %s", use, use.State())
	}
	if goUse := StartCacheUse(Go); goUse.Dir != "" {
		t.Errorf("the Go backend reports a cache: %+v", goUse)
	}
}

func TestCacheInUseOnlyWithACacheInUse(t *testing.T) {
	for _, tc := range []struct {
		name, backend, flags string
		hint                 bool
	}{
		{"xla:cuda with a cache names it and the way out", "xla:cuda", autotuneFlag + "=/c/cuda-1", true},
		{"xla:cuda without a cache has nothing to add", "xla:cuda", "--x=1", false},
		{"the Go backend has nothing to add", Go, autotuneFlag + "=/c/cuda-1", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(EnvXLAFlags, tc.flags)
			failed := errors.New("compile failed")
			err := WithCacheInUse(tc.backend, failed)
			var inUse *CacheInUseError
			named := errors.As(err, &inUse) && inUse.Dir == "/c/cuda-1" && errors.Is(err, failed)
			if (tc.hint && !named) || (!tc.hint && err != failed) {
				t.Errorf("WithCacheInUse(%s) with $XLA_FLAGS=%q: %v", tc.backend, tc.flags, err)
			}
		})
	}
}

// FuzzWithCacheFlag checks, for any $XLA_FLAGS, that the user's flags are
// kept in order, that a cache folder they named is never replaced or
// doubled, and that otherwise the folder added is the one in effect.
func FuzzWithCacheFlag(f *testing.F) {
	for _, seed := range []string{"", "--a=1", autotuneFlag + "=/mine", " --a=1\t--b ", autotuneFlag + "_x=1 -xla_gpu_per_fusion_autotune_cache_dir=/m"} {
		f.Add(seed)
	}
	const dir = "/c/cuda-1"
	f.Fuzz(func(t *testing.T, flags string) {
		value, set := withCacheFlag(flags, dir, false)
		userFound, userDir := cacheFlagIn(flags)
		found, inEffect := cacheFlagIn(value)
		if userFound {
			if set || value != flags {
				t.Fatalf("the user's cache flag in %q was changed to %q", flags, value)
			}
			return
		}
		if !set || !found || inEffect != dir {
			t.Fatalf("withCacheFlag(%q) = %q, %v: the cache folder in effect is %q (user's: %q)", flags, value, set, inEffect, userDir)
		}
		user, got := strings.Fields(flags), strings.Fields(value)
		if len(got) != len(user)+1 || !slices.Equal(got[:len(user)], user) {
			t.Fatalf("withCacheFlag(%q) = %q: the user's flags are not kept in order with one flag after them", flags, value)
		}
	})
}
