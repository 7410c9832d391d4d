// Package xlatest builds GoMLX graphs through go-xla's real StableHLO
// builder, the one the xla:* backends use, on a machine with no PJRT plugin,
// and keeps the StableHLO text each compile would have handed to the plugin.
//
// It is for tests only (nothing in the neurona binary imports it): it lets
// `make test` check on any CPU that every program neurona compiles for a
// GPU can be built for XLA, without the GPU.
//
// go-xla's Backend.Builder returns nil unless a plugin was loaded, and its
// Compile hands the program to the plugin's client. This package therefore
// relies on go-xla's internals, pinned to the version in go.mod (Pinned):
//   - xla.Backend's unexported fields plugin (*pjrt.Plugin), pluginName,
//     capabilities and numDevices, which xla.New fills after loading a plugin;
//     Builder only checks that plugin is not nil, and the op builders read the
//     plugin's name (IsCUDA, IsCPU) and nothing else of it;
//   - pjrt.Plugin's unexported field name;
//   - xla.Builder's unexported field builder (*stablehlo.Builder), whose
//     Build method writes the program text that Compile would send.
//
// Each field is looked up by name and type; New fails (it does not guess)
// when one is missing, so an upgrade of go-xla that moves them breaks the
// tests loudly instead of making them pass vacuously.
package xlatest

import (
	"errors"
	"fmt"
	"reflect"
	"runtime/debug"
	"sync"
	"unsafe"

	"github.com/gomlx/compute"
	"github.com/gomlx/go-xla/compute/xla"
	"github.com/gomlx/go-xla/pjrt"
	"github.com/gomlx/go-xla/stablehlo"
)

// Pinned is the go-xla version whose internals this package relies on.
const Pinned = "v0.4.1"

// ErrBuilt is what every Compile through a Backend returns once the
// StableHLO program has been built: there is no plugin to compile it.
var ErrBuilt = errors.New("xlatest: StableHLO built (no PJRT plugin to compile it)")

// Program is one compiled call's StableHLO text.
type Program struct {
	Name  string // the GoMLX graph's name
	Label string // the Backend's Label when it was built
	Text  string
}

// Backend is go-xla's XLA backend with no plugin behind it: graphs build
// through go-xla's StableHLO builder, and Compile records the program text
// and returns ErrBuilt. Nothing can execute on it.
type Backend struct {
	*xla.Backend

	mu       sync.Mutex
	label    string
	programs []Program
}

// SetLabel labels the programs built from now on (tests name the
// configuration that built each).
func (b *Backend) SetLabel(label string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.label = label
}

// New returns a Backend whose builder behaves as the one of the plugin
// named plugin ("cuda" or "cpu"): go-xla emits some ops differently for each.
func New(plugin string) (*Backend, error) {
	if err := checkVersion(); err != nil {
		return nil, err
	}
	p := &pjrt.Plugin{}
	if err := setField(p, "name", plugin); err != nil {
		return nil, err
	}
	b := &xla.Backend{DotGeneralUseTF32: pjrt.IsCUDAName(plugin)}
	for _, f := range []struct {
		name  string
		value any
	}{
		{"plugin", p},
		{"pluginName", plugin},
		{"capabilities", xla.Capabilities.Clone()},
		{"numDevices", 1},
	} {
		if err := setField(b, f.name, f.value); err != nil {
			return nil, err
		}
	}
	return &Backend{Backend: b}, nil
}

// checkVersion refuses to run against another go-xla than Pinned.
func checkVersion() error {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return nil // no module information (e.g. go run of a file): trust go.mod
	}
	for _, dep := range info.Deps {
		if dep.Path == "github.com/gomlx/go-xla" {
			v := dep.Version
			if dep.Replace != nil {
				v = dep.Replace.Version
			}
			if v != Pinned {
				return fmt.Errorf("xlatest relies on go-xla %s's internals but the build uses %s: check them and update Pinned", Pinned, v)
			}
		}
	}
	return nil
}

// setField sets the (possibly unexported) field name of the struct *ptr to
// value, which must have the field's type exactly.
func setField(ptr any, name string, value any) error {
	v := reflect.ValueOf(ptr).Elem()
	f := v.FieldByName(name)
	if !f.IsValid() {
		return fmt.Errorf("xlatest: go-xla %s: %s has no field %q", Pinned, v.Type(), name)
	}
	if f.Type() != reflect.TypeOf(value) {
		return fmt.Errorf("xlatest: go-xla %s: %s.%s is a %s, not a %T", Pinned, v.Type(), name, f.Type(), value)
	}
	reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Set(reflect.ValueOf(value))
	return nil
}

// getField returns the (possibly unexported) field name of the struct *ptr,
// which must be of type T.
func getField[T any](ptr any, name string) (T, error) {
	var zero T
	v := reflect.ValueOf(ptr).Elem()
	f := v.FieldByName(name)
	if !f.IsValid() {
		return zero, fmt.Errorf("xlatest: go-xla %s: %s has no field %q", Pinned, v.Type(), name)
	}
	if f.Type() != reflect.TypeFor[T]() {
		return zero, fmt.Errorf("xlatest: go-xla %s: %s.%s is a %s, not a %s", Pinned, v.Type(), name, f.Type(), reflect.TypeFor[T]())
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(T), nil
}

// Programs returns the programs built so far, in order.
func (b *Backend) Programs() []Program {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]Program(nil), b.programs...)
}

// Builder implements compute.Backend.
func (b *Backend) Builder(name string) compute.Builder {
	inner, ok := b.Backend.Builder(name).(*xla.Builder)
	if !ok || inner == nil {
		return nil
	}
	return &builder{Builder: inner, backend: b}
}

// Finalize implements compute.Backend: there is no client to destroy.
func (b *Backend) Finalize() {}

// builder is go-xla's builder with Compile stopped before the plugin.
type builder struct {
	*xla.Builder
	backend *Backend
}

// Compile implements compute.Builder: it builds the StableHLO program as
// go-xla's Compile does, records its text and returns ErrBuilt.
func (b *builder) Compile() (compute.Executable, error) {
	hlo, err := getField[*stablehlo.Builder](b.Builder, "builder")
	if err != nil {
		return nil, err
	}
	text, err := hlo.Build()
	if err != nil {
		return nil, fmt.Errorf("xlatest: build StableHLO of %q: %w", b.Name(), err)
	}
	b.backend.mu.Lock()
	b.backend.programs = append(b.backend.programs, Program{Name: b.Name(), Label: b.backend.label, Text: string(text)})
	b.backend.mu.Unlock()
	return nil, ErrBuilt
}
