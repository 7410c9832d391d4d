package backend

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/go-xla/compute/xla"
	"github.com/gomlx/go-xla/pjrt"
)

// Go is the name of GoMLX's pure-Go backend, always available.
const Go = "go"

// noAutoInstall turns go-xla's auto-install off, once, before the first
// backend is looked for or created: it downloads PJRT plugins from GitHub
// the first time a backend is created; offline that fails only after a
// network wait, and it would install software behind the user's back.
// neurona uses what is installed and says how to install the rest.
var noAutoInstall = sync.OnceFunc(func() {
	if os.Getenv(xla.NoAutoInstallEnv) == "" {
		_ = os.Setenv(xla.NoAutoInstallEnv, "1")
	}
	xla.EnableAutoInstall(false)
})

// Info describes one backend neurona knows about.
type Info struct {
	Name        string   `json:"name"` // as accepted by --backend
	Available   bool     `json:"available"`
	Description string   `json:"description"`       // what it is, where its plugin lives
	Reason      string   `json:"reason,omitempty"`  // why it is unavailable
	Devices     []string `json:"devices,omitempty"` // filled by Describe
}

// preference is the order in which the default backend is chosen.
var preference = []string{"xla:cuda", "xla:cpu", Go}

// List lists the backends in order of preference, with availability. It is
// quick: it looks for plugins but starts none (Describe does).
func List() []Info {
	noAutoInstall()
	plugins := pjrt.AvailablePlugins()
	var out []Info
	for _, name := range preference {
		info := Info{Name: name}
		if name == Go {
			info.Available = true
			info.Description = "GoMLX pure-Go backend (CPU, embedded, no install needed)"
		} else {
			plugin := strings.TrimPrefix(name, "xla:")
			if path, ok := pluginNamed(plugins, plugin); ok {
				info.Available = true
				info.Description = "XLA PJRT plugin " + path
			} else {
				info.Description = "XLA PJRT plugin " + plugin
				info.Reason = fmt.Sprintf("no PJRT plugin %q found (searched $PJRT_PLUGIN_LIBRARY_PATH, "+
					"/usr/local/lib/go-xla, ~/.local/lib/go-xla and the system library paths)", plugin)
			}
		}
		out = append(out, info)
	}
	// Plugins installed under other names (e.g. a TPU) are usable too.
	var others []string
	for plugin := range plugins {
		if base, _, _ := strings.Cut(plugin, "_v"); base != "cuda" && base != "cpu" {
			others = append(others, plugin)
		}
	}
	sort.Strings(others)
	for _, plugin := range others {
		out = append(out, Info{Name: "xla:" + plugin, Available: true, Description: "XLA PJRT plugin " + plugins[plugin]})
	}
	return out
}

// pluginNamed finds the plugin called name, or a versioned one of that name
// ("cpu_v0.98.0", as go-xla's installer names the CPU plugin, and as
// go-xla's backend accepts for "xla:cpu").
func pluginNamed(plugins map[string]string, name string) (string, bool) {
	if path, ok := plugins[name]; ok {
		return path, true
	}
	var versioned []string
	for p := range plugins {
		if strings.HasPrefix(p, name+"_v") {
			versioned = append(versioned, p)
		}
	}
	if len(versioned) == 0 {
		return "", false
	}
	sort.Strings(versioned)
	return plugins[versioned[len(versioned)-1]], true
}

// cudaReason says why xla:cuda is unavailable.
func cudaReason() string {
	p, searched := findCUDAPlugin(os.Getenv(EnvPJRTPlugin), os.Getenv)
	switch {
	case p == nil:
		return fmt.Sprintf("no CUDA PJRT plugin found (searched %s); install one with pip install \"jax[cuda13]\" "+
			"(or cuda12), or name its file in $%s", strings.Join(searched, ", "), EnvPJRTPlugin)
	case !HasNVIDIAGPU():
		return fmt.Sprintf("CUDA PJRT plugin %s (%s) found, but no NVIDIA GPU (/dev/nvidia* absent)", p.Path, p.Source)
	default:
		return fmt.Sprintf("CUDA PJRT plugin %s (%s) found but not loadable: its NVIDIA libraries may be missing "+
			"or of another CUDA version (run with GOMLX_BACKEND=xla:cuda for the loader's error)", p.Path, p.Source)
	}
}

// Describe fills the devices of each available backend (creating it: this
// takes a second for an XLA plugin).
//
// It also explains an unavailable xla:cuda in detail, which looks for
// plugins in Python's site-packages (a python3 start, a third of a second),
// so the quick List that every command's default choice calls does not.
func Describe(infos []Info) {
	for i := range infos {
		if !infos[i].Available {
			if infos[i].Name == "xla:cuda" {
				infos[i].Reason = cudaReason()
			}
			continue
		}
		backend, _, err := New(infos[i].Name)
		if err != nil {
			infos[i].Available, infos[i].Reason = false, err.Error()
			continue
		}
		if infos[i].Name == Go {
			cpu := fmt.Sprintf("CPU, %d cores", runtime.NumCPU())
			if gb := HostMemoryGB(); gb > 0 {
				cpu += fmt.Sprintf(", %.0f GB host memory", gb)
			}
			infos[i].Devices = []string{cpu}
		} else {
			var gpus []string
			if strings.HasPrefix(infos[i].Name, "xla:cuda") {
				gpus = nvidiaGPUs() // the plugin's descriptions do not give the memory
			}
			for d := range backend.NumDevices() {
				desc := backend.DeviceDescription(compute.DeviceNum(d))
				if d < len(gpus) {
					desc += " (" + gpus[d] + ")"
				}
				infos[i].Devices = append(infos[i].Devices, desc)
			}
		}
		backend.Finalize()
	}
}

// Choose resolves the backend name to use: requested (from --backend) if
// given, else $GOMLX_BACKEND, else the first available in preference order.
// It starts nothing; an unknown or unavailable backend, or a Go backend
// option that is wrong or known to deadlock, is an error of one line.
//
// An error about the value of $GOMLX_BACKEND starts with
// "$GOMLX_BACKEND=<value>: ", so that the user knows where it came from.
func Choose(requested string) (name string, err error) {
	if requested != "" {
		return choose(requested)
	}
	env := os.Getenv(EnvBackend)
	if env == "" {
		return autoBackend(), nil
	}
	if name, err = choose(env); err != nil {
		return "", fmt.Errorf("$%s=%s: %w", EnvBackend, env, err)
	}
	return name, nil
}

// EnvBackend is the environment variable that names the default backend
// (GoMLX's own, GOMLX_BACKEND).
const EnvBackend = compute.ConfigEnvVar

// choose resolves a backend name given by the user.
func choose(requested string) (name string, err error) {
	base, _, _ := strings.Cut(requested, ",")
	if IsGo(base) {
		// The Go backend takes its options after "go:".
		if err := checkGoOptions(requested); err != nil {
			return "", err
		}
		return requested, nil
	}
	if base == "xla" || base == "xla:" {
		return "", fmt.Errorf("backend %q: name the plugin, e.g. xla:cuda or xla:cpu", requested)
	}
	for _, b := range List() {
		if b.Name == base {
			if !b.Available {
				if b.Name == "xla:cuda" {
					b.Reason = cudaReason()
				}
				return "", fmt.Errorf("backend %q is not available: %s", base, b.Reason)
			}
			return requested, nil
		}
	}
	return "", fmt.Errorf("unknown backend %q (accepted: %s; `neurona backends` lists what is installed)",
		requested, strings.Join(preference, ", "))
}

func autoBackend() string {
	for _, b := range List() {
		if b.Available {
			return b.Name
		}
	}
	return Go
}

// New creates the backend chosen by Choose(requested) and returns it with
// its name as Choose returns it (e.g. "go", "xla:cuda").
// When nothing was requested (requested "", no $GOMLX_BACKEND) and the best
// available backend fails to start, it falls back to the Go backend (NewWith
// reports that to Options.Warn); a backend asked for by name fails instead.
//
// The Go backend comes wrapped against a bug of its closures (see
// closurefix.go); use the returned backend for every tensor of its graphs.
func New(requested string) (backend compute.Backend, name string, err error) {
	return NewWith(requested, Options{})
}

// Options are NewWith's settings; the zero value is New's.
type Options struct {
	// Cache sets XLA's compile cache, which xla:cuda uses unless Cache.Off.
	Cache CacheOptions
	// Warn is told what the start worked around: a *FallbackError, a
	// *CacheError. Nil drops them.
	Warn func(warning error)
}

// NewWith is New with opts.
func NewWith(requested string, opts Options) (backend compute.Backend, name string, err error) {
	auto := requested == "" && os.Getenv(compute.ConfigEnvVar) == ""
	backend, name, err = newBackend(requested, opts)
	if err != nil && auto && name != Go {
		if opts.Warn != nil {
			opts.Warn(&FallbackError{Backend: name, Err: err})
		}
		return newBackend(Go, opts)
	}
	return backend, name, err
}

// FallbackError is the warning that the best available backend, started
// because none was asked for, failed to start: the Go backend runs instead.
type FallbackError struct {
	Backend string
	Err     error
}

func (e *FallbackError) Error() string {
	return fmt.Sprintf("%s; falling back to the Go backend (CPU)", firstLine(e.Err.Error()))
}

func (e *FallbackError) Unwrap() error { return e.Err }

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

func newBackend(requested string, opts Options) (backend compute.Backend, name string, err error) {
	noAutoInstall()
	name, err = Choose(requested)
	if err != nil {
		return nil, "", err
	}
	defer func() {
		if r := recover(); r != nil { // go-xla panics on some plugin failures
			backend, err = nil, fmt.Errorf("start backend %s: %v", name, r)
		}
	}()
	if IsGo(name) {
		backend, err = gobackend.New(strings.TrimPrefix(strings.TrimPrefix(name, Go), ":"))
		if err == nil {
			backend = closureSafe(backend)
		}
	} else {
		useCompileCache(name, opts.Cache, cudaPluginID, opts.Warn)
		backend, err = compute.NewWithConfig(name)
	}
	if err != nil {
		return nil, name, fmt.Errorf("start backend %s: %w", name, err)
	}
	return backend, name, nil
}

// IsGo reports whether name (as Choose returns it) is the Go backend, with
// or without options.
func IsGo(name string) bool {
	return name == Go || strings.HasPrefix(name, Go+":")
}

// goBackendName is what GoMLX's Go backend (compute v0.1.2) says its
// Name() is (TestIsGoBackend checks it on the real one).
const goBackendName = "Go Backend"

// IsGoBackend reports whether b is GoMLX's Go backend, for code that is
// given a backend and not its name (a Program loaded from a checkpoint).
func IsGoBackend(b compute.Backend) bool { return b.Name() == goBackendName }
