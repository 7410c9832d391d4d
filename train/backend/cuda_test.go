package backend

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeJAX lays out a pip install of jax[cuda13] with empty files.
func fakeJAX(t *testing.T) (root, sitePackages string) {
	t.Helper()
	root = t.TempDir()
	sitePackages = filepath.Join(root, "lib", "python3.12", "site-packages")
	for _, dir := range []string{"jax_plugins/xla_cuda13", "nvidia/cu13/lib", "nvidia/cudnn/lib", "nvidia/nccl/lib"} {
		if err := os.MkdirAll(filepath.Join(sitePackages, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(sitePackages, "jax_plugins/xla_cuda13/xla_cuda_plugin.so"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return root, sitePackages
}

func envOf(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestFindCUDAPlugin(t *testing.T) {
	venv, sp := fakeJAX(t)
	goxla := t.TempDir()
	goxlaPlugin := filepath.Join(goxla, cudaPluginName)
	if err := os.WriteFile(goxlaPlugin, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	jaxPlugin := filepath.Join(sp, "jax_plugins/xla_cuda13/xla_cuda_plugin.so")
	for _, tc := range []struct {
		name       string
		explicit   string
		env        map[string]string
		wantPath   string
		wantNVIDIA string
	}{
		{"an explicit plugin file wins", jaxPlugin, map[string]string{"PJRT_PLUGIN_LIBRARY_PATH": goxla}, jaxPlugin, filepath.Join(sp, "nvidia")},
		{"an explicit site-packages folder is searched", sp, nil, jaxPlugin, filepath.Join(sp, "nvidia")},
		{"PJRT_PLUGIN_LIBRARY_PATH comes before a virtualenv", "", map[string]string{"PJRT_PLUGIN_LIBRARY_PATH": goxla, "VIRTUAL_ENV": venv}, goxlaPlugin, ""},
		{"an active virtualenv's jax plugin is found", "", map[string]string{"VIRTUAL_ENV": venv, "HOME": t.TempDir()}, jaxPlugin, filepath.Join(sp, "nvidia")},
		{"a missing explicit path finds nothing", filepath.Join(venv, "nope.so"), map[string]string{"VIRTUAL_ENV": venv}, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, searched := findCUDAPlugin(tc.explicit, envOf(tc.env))
			if tc.wantPath == "" {
				if p != nil {
					t.Fatalf("found %+v, want nothing", p)
				}
				if len(searched) == 0 {
					t.Error("no searched places reported")
				}
				return
			}
			if p == nil || p.Path != tc.wantPath || p.NVIDIA != tc.wantNVIDIA {
				t.Fatalf("found %+v, want %s with NVIDIA libraries %q (searched %v)", p, tc.wantPath, tc.wantNVIDIA, searched)
			}
		})
	}
}

func TestCUDAEnvLaysOutThePluginAndLibraryPath(t *testing.T) {
	_, sp := fakeJAX(t)
	p := &CUDAPlugin{Path: filepath.Join(sp, "jax_plugins/xla_cuda13/xla_cuda_plugin.so"), NVIDIA: filepath.Join(sp, "nvidia")}
	cache := t.TempDir()
	environ := []string{"HOME=/home/u", "LD_LIBRARY_PATH=/usr/lib/custom"}
	env, changed, err := cudaEnv(p, cache, environ)
	if err != nil || !changed {
		t.Fatalf("cudaEnv: changed=%v err=%v", changed, err)
	}
	get := func(env []string, key string) string {
		for _, kv := range env {
			if k, v, _ := strings.Cut(kv, "="); k == key {
				return v
			}
		}
		return ""
	}
	pluginDir := get(env, "PJRT_PLUGIN_LIBRARY_PATH")
	if target, err := os.Readlink(filepath.Join(pluginDir, cudaPluginName)); err != nil || target != p.Path {
		t.Errorf("plugin link -> %q (%v), want %s", target, err, p.Path)
	}
	if target, err := os.Readlink(filepath.Join(pluginDir, "cudnn")); err != nil || target != filepath.Join(sp, "nvidia", "cudnn") {
		t.Errorf("cudnn link -> %q (%v)", target, err)
	}
	if filepath.Base(pluginDir) != "nvidia" {
		t.Errorf("go-xla finds NVIDIA's libraries in ../nvidia of the plugin, so its folder must be called nvidia: %s", pluginDir)
	}
	ld := filepath.SplitList(get(env, "LD_LIBRARY_PATH"))
	for _, want := range []string{filepath.Join(sp, "nvidia/cu13/lib"), filepath.Join(sp, "nvidia/cudnn/lib"), "/usr/lib/custom"} {
		if !slices.Contains(ld, want) {
			t.Errorf("LD_LIBRARY_PATH %v lacks %s", ld, want)
		}
	}
	if ld[len(ld)-1] != "/usr/lib/custom" {
		t.Errorf("the user's LD_LIBRARY_PATH should stay last: %v", ld)
	}
	// A second call on the prepared environment changes nothing: no
	// endless re-executions.
	if _, changed, err := cudaEnv(p, cache, env); err != nil || changed {
		t.Errorf("second cudaEnv: changed=%v err=%v", changed, err)
	}
}

func TestCUDARestartEnv(t *testing.T) {
	_, sp := fakeJAX(t)
	cache := t.TempDir()
	environ := []string{"HOME=" + t.TempDir(), "LD_LIBRARY_PATH=/usr/lib/custom"}
	for _, tc := range []struct {
		name      string
		requested string
		plugin    string
		env       map[string]string
		hasGPU    bool
		restart   bool
	}{
		{"a plugin named on the command line restarts", "", sp, nil, false, true},
		{"a plugin named by $NEURONA_PJRT_PLUGIN restarts", "", "", map[string]string{EnvPJRTPlugin: sp}, false, true},
		{"xla:cuda asked for with a plugin restarts", "xla:cuda", sp, nil, true, true},
		{"the Go backend asked for needs no restart", "go", sp, nil, true, false},
		{"the Go backend with options needs no restart", "go:ops_sequential", sp, nil, true, false},
		{"the Go backend by $GOMLX_BACKEND needs no restart", "", sp, map[string]string{"GOMLX_BACKEND": "go"}, true, false},
		{"an already restarted process is not restarted again", "", sp, map[string]string{"NEURONA_CUDA_READY": "1"}, true, false},
		{"no plugin named and no GPU: nothing to do", "", "", nil, false, false},
		{"a named plugin that is not there: nothing to do", "", filepath.Join(sp, "nope.so"), nil, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env, p, err := CUDARestartEnv(tc.requested, tc.plugin, envOf(tc.env), environ, tc.hasGPU, cache)
			if err != nil {
				t.Fatal(err)
			}
			if got := env != nil; got != tc.restart {
				t.Fatalf("restart %v (env %q, plugin %+v), want %v", got, env, p, tc.restart)
			}
			if !tc.restart {
				return
			}
			if !slices.Contains(env, "NEURONA_CUDA_READY=1") {
				t.Errorf("the restarted process is not marked ready: it would restart again (%q)", env)
			}
			// The prepared environment, as the restarted process sees it,
			// needs nothing more.
			again, _, err := CUDARestartEnv(tc.requested, tc.plugin, envOf(tc.env), slices.DeleteFunc(slices.Clone(env),
				func(kv string) bool { return strings.HasPrefix(kv, "NEURONA_CUDA_READY=") }), tc.hasGPU, cache)
			if err != nil || again != nil {
				t.Errorf("restart again from the prepared environment: %q, %v", again, err)
			}
		})
	}
}
