package backend

import (
	"runtime"
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

func TestChooseNamesGOMLXBackendInItsErrors(t *testing.T) {
	for _, tc := range []struct{ env, want string }{
		{"foo", `$GOMLX_BACKEND=foo: unknown backend "foo" (accepted: xla:cuda, xla:cpu, go;`},
		{"go:fast", `$GOMLX_BACKEND=go:fast: backend "go:fast": unknown Go backend option "fast"`},
	} {
		t.Run(tc.env, func(t *testing.T) {
			t.Setenv("GOMLX_BACKEND", tc.env)
			if _, err := Choose(""); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("Choose(\"\") with $GOMLX_BACKEND=%s = %v, want %q...", tc.env, err, tc.want)
			}
			if _, err := Choose("abacus"); err == nil || strings.Contains(err.Error(), "GOMLX_BACKEND") {
				t.Errorf("Choose(\"abacus\") = %v: a --backend error must not blame $GOMLX_BACKEND", err)
			}
		})
	}
}

func TestSummarySaysTheGoBackendsMode(t *testing.T) {
	b, name, err := New("go:ops_sequential")
	if err != nil {
		t.Fatal(err)
	}
	defer b.Finalize()
	cores := runtime.GOMAXPROCS(0)
	for _, tc := range []struct{ name, want string }{
		{name, "go:ops_sequential: GoMLX's pure-Go backend (CPU), operations one at a time, on "},
		{"go", "go: GoMLX's pure-Go backend (CPU), operations in parallel, on "},
		{"go:parallelism=1", "operations in parallel, on 1 core"},
		{"go:parallelism=64", "on " + coresText(cores)},
	} {
		got := Summary(tc.name, b)
		if !strings.Contains(got, tc.want) || strings.Contains(got, "parallelism=") && !strings.HasPrefix(got, tc.name) {
			t.Errorf("Summary(%q) = %q, want it to say %q", tc.name, got, tc.want)
		}
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

// TestIsGoBackend: GoMLX's Go backend, started as neurona starts it (with
// or without options), is known for what it is by its Name.
func TestIsGoBackend(t *testing.T) {
	for _, name := range []string{Go, Go + ":ops_sequential"} {
		t.Run(name, func(t *testing.T) {
			b, _, err := New(name)
			if err != nil {
				t.Fatal(err)
			}
			defer b.Finalize()
			if !IsGoBackend(b) {
				t.Errorf("backend %s (Name %q) is not known as the Go backend", name, b.Name())
			}
		})
	}
}
