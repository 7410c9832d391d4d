package backend

import (
	"strings"
	"testing"
)

func TestChooseRefusesWhatCannotRun(t *testing.T) {
	for _, tc := range []struct {
		name, requested, want string
	}{
		{"an unknown name lists the accepted ones", "abacus", `unknown backend "abacus" (accepted: xla:cuda, xla:cpu, go;`},
		{"xla alone asks for the plugin", "xla", "name the plugin, e.g. xla:cuda or xla:cpu"},
		{"xla: alone asks for the plugin", "xla:", "name the plugin"},
		{"an uninstalled plugin is unknown", "xla:abacus", `unknown backend "xla:abacus"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Choose(tc.requested)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("Choose(%q) = %v, want one line with %q", tc.requested, err, tc.want)
			}
		})
	}
}

func TestChooseTakesGOMLXBackendWhenNothingIsRequested(t *testing.T) {
	t.Setenv("GOMLX_BACKEND", "go:ops_parallel")
	if name, err := Choose(""); err != nil || name != "go:ops_parallel" {
		t.Errorf("Choose(\"\") with $GOMLX_BACKEND=go:ops_parallel = %q, %v", name, err)
	}
	if name, err := Choose("go"); err != nil || name != "go" {
		t.Errorf("Choose(\"go\") with $GOMLX_BACKEND set = %q, %v: --backend comes first", name, err)
	}
}

func TestListEndsThePreferenceWithTheGoBackend(t *testing.T) {
	list := List()
	if len(list) < len(preference) {
		t.Fatalf("List() = %+v, want at least %v", list, preference)
	}
	for i, name := range preference {
		if list[i].Name != name {
			t.Errorf("List()[%d] = %s, want %s (the preference order)", i, list[i].Name, name)
		}
		if !list[i].Available && list[i].Reason == "" {
			t.Errorf("%s is unavailable without a reason", name)
		}
	}
	if g := list[len(preference)-1]; !g.Available {
		t.Errorf("the Go backend is unavailable: %+v", g)
	}
}

func TestPluginNamed(t *testing.T) {
	plugins := map[string]string{"cuda": "/p/cuda.so", "cpu_v0.97.0": "/p/cpu97.so", "cpu_v0.98.0": "/p/cpu98.so"}
	for _, tc := range []struct {
		name, plugin, want string
		ok                 bool
	}{
		{"an exact name", "cuda", "/p/cuda.so", true},
		{"the newest of the versioned ones", "cpu", "/p/cpu98.so", true},
		{"none of that name", "tpu", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got, ok := pluginNamed(plugins, tc.plugin); got != tc.want || ok != tc.ok {
				t.Errorf("pluginNamed(%q) = %q, %v; want %q, %v", tc.plugin, got, ok, tc.want, tc.ok)
			}
		})
	}
}
