package cli

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestExtractPJRTPlugin(t *testing.T) {
	for _, tc := range []struct {
		name     string
		args     []string
		wantArgs []string
		want     string
		wantErr  bool
	}{
		{"absent", []string{"train", "--lr", "0.1"}, []string{"train", "--lr", "0.1"}, "", false},
		{"before the command", []string{"--pjrt-plugin", "/p.so", "backends"}, []string{"backends"}, "/p.so", false},
		{"after the command, with =", []string{"train", "--pjrt-plugin=/p.so", "--epochs", "1"}, []string{"train", "--epochs", "1"}, "/p.so", false},
		{"with one dash it is not the flag (GNU flags take two; Main refuses it)", []string{"eval", "-pjrt-plugin", "/d", "run"},
			[]string{"eval", "-pjrt-plugin", "/d", "run"}, "", false},
		{"without a value", []string{"train", "--pjrt-plugin"}, nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args, plugin, err := extractPJRTPlugin(tc.args)
			if (err != nil) != tc.wantErr || plugin != tc.want || !slices.Equal(args, tc.wantArgs) {
				t.Errorf("extractPJRTPlugin(%q) = %q, %q, %v", tc.args, args, plugin, err)
			}
		})
	}
}

func TestBackendFlag(t *testing.T) {
	for want, args := range map[string][]string{
		"go":       {"train", "--backend", "go"},
		"xla:cuda": {"train", "--epochs", "1", "--backend=xla:cuda"},
		"":         {"train"},
	} {
		if got := backendFlag(args); got != want {
			t.Errorf("backendFlag(%q) = %q, want %q", args, got, want)
		}
	}
}

// fakePipJAX lays out a pip install of jax[cuda13] with empty files, its
// NVIDIA libraries at several depths, and returns its site-packages.
func fakePipJAX(t *testing.T) string {
	t.Helper()
	sp := filepath.Join(t.TempDir(), "lib", "python3.12", "site-packages")
	for _, dir := range []string{"jax_plugins/xla_cuda13", "nvidia/cu13/lib", "nvidia/cudnn/lib", "nvidia/cu13/extras/CUPTI/lib"} {
		if err := os.MkdirAll(filepath.Join(sp, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(sp, "jax_plugins/xla_cuda13/xla_cuda_plugin.so"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return sp
}

func TestPJRTPluginBeforeOrAfterTheCommandPreparesTheSameEnvironment(t *testing.T) {
	sp := fakePipJAX(t)
	home := t.TempDir()
	goxla := filepath.Join(home, ".local/lib/go-xla") // where go-xla installs xla:cpu
	if err := os.MkdirAll(goxla, 0o755); err != nil {
		t.Fatal(err)
	}
	environ := []string{"HOME=" + home, "LD_LIBRARY_PATH=/usr/lib/custom"}
	getenv := func(k string) string {
		for _, kv := range environ {
			if key, v, _ := strings.Cut(kv, "="); key == k {
				return v
			}
		}
		return ""
	}
	cache := t.TempDir()
	envFor := func(args ...string) []string {
		t.Helper()
		env, p, err := cudaReexecEnv(args, getenv, environ, false, cache)
		if err != nil || env == nil || p == nil {
			t.Fatalf("%q: no re-execution prepared (env %v, plugin %v, err %v)", args, env, p, err)
		}
		return env
	}
	before := envFor("--pjrt-plugin", sp, "train", "--epochs", "1")
	after := envFor("train", "--pjrt-plugin", sp, "--epochs", "1")
	if !slices.Equal(before, after) {
		t.Errorf("--pjrt-plugin before the command prepares\n%q\nafter it\n%q", before, after)
	}
	get := func(key string) []string {
		for _, kv := range before {
			if k, v, _ := strings.Cut(kv, "="); k == key {
				return filepath.SplitList(v)
			}
		}
		return nil
	}
	ld := get("LD_LIBRARY_PATH")
	for _, lib := range []string{"nvidia/cu13/lib", "nvidia/cudnn/lib", "nvidia/cu13/extras/CUPTI/lib"} {
		if !slices.Contains(ld, filepath.Join(sp, lib)) {
			t.Errorf("LD_LIBRARY_PATH %v lacks %s", ld, lib)
		}
	}
	if ld[len(ld)-1] != "/usr/lib/custom" {
		t.Errorf("the user's LD_LIBRARY_PATH should stay last: %v", ld)
	}
	if plugins := get("PJRT_PLUGIN_LIBRARY_PATH"); len(plugins) < 2 || !slices.Contains(plugins, goxla) {
		t.Errorf("PJRT_PLUGIN_LIBRARY_PATH %v: go-xla's install folder %s is no longer searched", plugins, goxla)
	}
	if !slices.Contains(before, "NEURONA_CUDA_READY=1") {
		t.Error("the re-executed process is not marked ready: it would re-execute again")
	}

	// No re-execution for the Go backend, a command without a backend, or
	// a process already prepared.
	for _, args := range [][]string{
		{"--pjrt-plugin", sp, "train", "--backend", "go"},
		{"--pjrt-plugin", sp, "checkpoints", "list", "runs/x"},
	} {
		if env, _, _ := cudaReexecEnv(args, getenv, environ, true, cache); env != nil {
			t.Errorf("%q: re-execution prepared, want none", args)
		}
	}
	ready := func(k string) string {
		if k == "NEURONA_CUDA_READY" {
			return "1"
		}
		return getenv(k)
	}
	if env, _, _ := cudaReexecEnv([]string{"--pjrt-plugin", sp, "train"}, ready, environ, true, cache); env != nil {
		t.Error("a prepared process re-executes again")
	}
}
