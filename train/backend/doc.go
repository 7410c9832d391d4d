// Package backend owns where neurona's graphs run: which GoMLX backends
// exist on this machine, which one a command uses, and how it is started.
//
// # Names
//
// A backend is named as --backend accepts it: "go" (Go, GoMLX's pure-Go
// CPU backend, always available, with GoMLX's options after a colon, e.g.
// "go:ops_sequential"), "xla:cuda" and "xla:cpu" (go-xla's PJRT plugins),
// or "xla:NAME" for any other PJRT plugin installed.
//
// # Choosing and starting
//
// List says what is installed, in order of preference, quickly (it starts
// nothing); Describe adds the devices of each available backend by
// starting it. Choose resolves a requested name (the one asked for, else
// $GOMLX_BACKEND, else the first available) and turns a bad one into a
// one-line error before anything runs; New starts the chosen backend.
// When nothing was requested and the best backend fails to start, New
// falls back to the Go backend; NewWith reports that to Options.Warn as a
// *FallbackError (the package writes nothing itself).
//
//	b, name, err := backend.New("") // the best available, e.g. "xla:cuda"
//	if err != nil {
//		return err
//	}
//	defer b.Finalize()
//
// The Go backend that New returns is wrapped against a bug of GoMLX's Go
// backend in loop bodies (closurefix.go): use it, not a raw gobackend, for
// graphs with a While loop. GoFor picks its mode for a model: sequential
// operations under 20,000 multiply-adds per example (the caller counts
// them: models.Size), where parallel scheduling costs more than it saves.
//
// # CUDA
//
// A CUDA PJRT plugin needs its NVIDIA libraries on LD_LIBRARY_PATH, which
// the dynamic loader reads only when a process starts. CUDARestartEnv
// finds a plugin (the one asked for, $PJRT_PLUGIN_LIBRARY_PATH, go-xla's
// install folders, JAX's pip plugin in Python's site-packages), lays out
// its folder as go-xla expects, and returns the environment the command
// line restarts itself with. InstallPlugin installs xla:cpu or xla:cuda
// with go-xla's installer; nothing is ever installed unasked (go-xla's
// auto-install is turned off, once, before the first backend is listed or
// started: no init() does it behind an importer's back).
//
// # Compile cache
//
// XLA spends most of a GPU compilation autotuning its GEMM kernels. New
// (and NewWith, whose Options.Cache can turn it off) gives xla:cuda XLA's
// per-fusion autotuning cache: a folder under os.UserCacheDir()/neurona/
// xla-autotune, one per plugin build and GPU, added to $XLA_FLAGS after the
// user's own flags before the plugin loads. A folder that cannot be used is
// one *CacheError to Options.Warn, never a failure; a compilation that fails
// with the cache in use is a *CacheInUseError (WithCacheInUse). StartCacheUse and
// CacheUse.End tell whether a compilation found its results there (warm)
// or not (cold).
//
// DeviceMemory and HostMemoryGB describe the memory a run can use, as the
// NVIDIA driver (nvidia-smi) and /proc/meminfo report it.
//
// This package imports GoMLX/go-xla, never models, train or the command
// line: train runs its steps on a backend from here, and passes it the
// numbers about a model it needs, so that the backend layer knows no model
// kind.
package backend
