package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/neurona/neurona/train/backend"
)

// commandsWithBackend are the commands that may create an XLA backend.
var commandsWithBackend = []string{"train", "eval", "predict", "bench", "backends"}

// extractPJRTPlugin removes the global flag --pjrt-plugin PATH (or
// --pjrt-plugin=PATH) from args, wherever it is, before cobra parses them
// (ReexecForCUDA runs first). "--" ends the flags.
func extractPJRTPlugin(args []string) (rest []string, plugin string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return append(rest, args[i:]...), plugin, nil
		}
		flag, ok := strings.CutPrefix(a, "--")
		name, value, hasValue := strings.Cut(flag, "=")
		if !ok || name != "pjrt-plugin" {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, "", usagef("--pjrt-plugin needs a path (a CUDA PJRT plugin .so, or a folder holding one)")
			}
			i++
			value = args[i]
		}
		plugin = value
	}
	return rest, plugin, nil
}

// ReexecForCUDA prepares the environment a CUDA PJRT plugin needs and, if
// the process lacks it, re-executes the binary with it: the dynamic loader
// reads LD_LIBRARY_PATH, and go-xla PJRT_PLUGIN_LIBRARY_PATH, only at start.
// It returns (doing nothing) when there is no GPU, no plugin, the Go backend
// was asked for, the environment is already right, or the command does not
// use a backend. Only the binary's main calls it: tests call Main.
func ReexecForCUDA(args []string, stderr io.Writer) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	env, p, err := cudaReexecEnv(args, os.Getenv, os.Environ(), backend.HasNVIDIAGPU(), filepath.Join(cache, "neurona"))
	if err != nil {
		fmt.Fprintf(stderr, "neurona: CUDA plugin %s (%s): %v\n", p.Path, p.Source, err)
		return
	}
	if env == nil {
		return
	}
	exe, err := os.Executable()
	if err == nil {
		err = syscall.Exec(exe, os.Args, env) // returns only on failure
	}
	fmt.Fprintf(stderr, "neurona: cannot restart with the CUDA libraries of %s on the library path (%v); the GPU may be unavailable\n", p.Path, err)
}

// cudaReexecEnv returns the environment to re-execute neurona with for the
// command line args (the global --pjrt-plugin anywhere in it, before or
// after the command), or nil when no re-execution is needed; p is the
// plugin found. The plugin's folder is laid out under cacheDir. Which
// commands use a backend, and their flags, are the command line's
// business; the rest is backend.CUDARestartEnv's.
func cudaReexecEnv(args []string, getenv func(string) string, environ []string, hasGPU bool, cacheDir string) (env []string, p *backend.CUDAPlugin, err error) {
	rest, plugin, err := extractPJRTPlugin(args)
	if err != nil || len(rest) == 0 || !slices.Contains(commandsWithBackend, rest[0]) {
		return nil, nil, nil // Main reports a bad flag
	}
	return backend.CUDARestartEnv(backendFlag(rest), plugin, getenv, environ, hasGPU, cacheDir)
}

// backendFlag finds the value of --backend in args, "" if absent.
func backendFlag(args []string) string {
	for i, a := range args {
		if a == "--" {
			break
		}
		flag, ok := strings.CutPrefix(a, "--")
		name, value, hasValue := strings.Cut(flag, "=")
		if ok && name == "backend" {
			if hasValue {
				return value
			}
			if i+1 < len(args) {
				return args[i+1]
			}
		}
	}
	return ""
}
