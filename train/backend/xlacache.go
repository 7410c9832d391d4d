package backend

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gomlx/go-xla/pjrt"
	"github.com/neurona/neurona/internal/safefile"
)

// XLA's compile time on a GPU is mostly the autotuning of its Triton GEMM
// kernels (measured on an H200: 5.0 s for one bench shape, 0.81 s with
// Triton GEMMs off but 12% fewer steps/s). Its per-fusion autotuning cache
// keeps the results on disk, so a repeated compile took 1.1 s at full speed.
// XLA's kernel cache file (--xla_gpu_kernel_cache_file) would save more but
// crashed the CUDA 13 plugin on Hopper (CUDA_ERROR_ILLEGAL_INSTRUCTION): it
// is never used.

// EnvXLAFlags is the environment variable XLA reads its flags from, once,
// when the PJRT plugin first loads.
const EnvXLAFlags = "XLA_FLAGS"

// autotuneFlag is the XLA flag naming the autotuning cache folder.
const autotuneFlag = "--xla_gpu_per_fusion_autotune_cache_dir"

// CacheOptions are the settings of XLA's compile cache that New applies
// before it starts xla:cuda. The zero value uses the cache in its default
// folder.
type CacheOptions struct {
	// Off adds no cache flag. A cache the user
	// named in $XLA_FLAGS stays theirs, in effect either way.
	Off bool
	// Root is the folder the keyed cache folders go in; "" is
	// os.UserCacheDir()/neurona/xla-autotune.
	Root string
}

// CompileCacheDir is the folder of XLA's autotuning cache in effect for the
// XLA backends this process starts ("" when none): the one neurona added to
// $XLA_FLAGS, or the user's own.
func CompileCacheDir() string {
	_, dir := cacheFlagIn(os.Getenv(EnvXLAFlags))
	return dir
}

// cacheFlagIn reports whether flags (an $XLA_FLAGS value) name the
// autotuning cache folder, and which.
func cacheFlagIn(flags string) (found bool, dir string) {
	for _, f := range strings.Fields(flags) {
		name, value, _ := strings.Cut(f, "=")
		if name == autotuneFlag || name == "-"+strings.TrimPrefix(autotuneFlag, "--") {
			found, dir = true, value
		}
	}
	return found, dir
}

// withCacheFlag returns the $XLA_FLAGS value that adds the cache folder dir
// to the user's flags, keeping them: unchanged (set false) when the user
// named a cache folder already or opts turn the cache off.
func withCacheFlag(flags, dir string, off bool) (value string, set bool) {
	if found, _ := cacheFlagIn(flags); found || off {
		return flags, false
	}
	flag := autotuneFlag + "=" + dir
	if strings.TrimSpace(flags) == "" {
		return flag, true
	}
	return strings.TrimRight(flags, " \t") + " " + flag, true
}

// pluginID is what tells one build of a plugin from another.
type pluginID struct {
	Path    string // with links resolved
	Size    int64
	ModTime time.Time
}

// cacheKey names the cache folder of one plugin build on one set of GPUs,
// so that another plugin version (other kernels, another cache format) or
// another GPU (other best kernels) never reads the entries of this one.
func cacheKey(p pluginID, gpus []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%d\x00%d", p.Path, p.Size, p.ModTime.UnixNano())
	for _, g := range gpus {
		fmt.Fprintf(h, "\x00%s", g)
	}
	return "cuda-" + hex.EncodeToString(h.Sum(nil)[:8])
}

// cudaPluginID identifies the plugin go-xla will load for xla:cuda.
func cudaPluginID(name string) (pluginID, error) {
	plugin := strings.TrimPrefix(name, "xla:")
	plugin, _, _ = strings.Cut(plugin, ",")
	path, ok := pluginNamed(pjrt.AvailablePlugins(), plugin)
	if !ok {
		return pluginID{}, fmt.Errorf("no PJRT plugin %q found", plugin)
	}
	if real, err := filepath.EvalSymlinks(path); err == nil {
		path = real
	}
	info, err := os.Stat(path)
	if err != nil {
		return pluginID{}, err
	}
	return pluginID{Path: path, Size: info.Size(), ModTime: info.ModTime()}, nil
}

// gpuModels lists the GPUs as the NVIDIA driver names them, from its /proc
// files (no process to start), else from nvidia-smi; nothing when neither
// tells.
func gpuModels() []string {
	var models []string
	infos, _ := filepath.Glob("/proc/driver/nvidia/gpus/*/information")
	for _, info := range infos {
		raw, err := safefile.ReadFile(info, 64<<10)
		if err != nil {
			continue
		}
		if m := gpuModelIn(string(raw)); m != "" {
			models = append(models, m)
		}
	}
	if len(models) == 0 {
		models = nvidiaGPUs()
	}
	slices.Sort(models)
	return models
}

// gpuModelIn finds the "Model:" line of a /proc/driver/nvidia/gpus/*/information file.
func gpuModelIn(info string) string {
	for line := range strings.SplitSeq(info, "\n") {
		if rest, ok := strings.CutPrefix(line, "Model:"); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// usableDir makes dir if needed and checks that a file can be written in
// it: XLA writes its entries there while compiling.
func usableDir(dir string) error {
	if strings.ContainsAny(dir, " \t\n\"'") {
		// $XLA_FLAGS is split at white space.
		return errors.New("its path holds a space or a quote, which $XLA_FLAGS cannot carry")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return err
	}
	name := f.Name()
	err = f.Close()
	if rmErr := os.Remove(name); err == nil {
		err = rmErr
	}
	return err
}

// cacheWarned holds the folders already warned about: one line per
// process, however many backends it starts.
var cacheWarned sync.Map

// useCompileCache adds XLA's autotuning cache folder for the xla:cuda
// backend name to $XLA_FLAGS before the plugin loads (go-xla loads it at
// the first backend; XLA reads its flags then), keeping the user's flags.
// The folder is <root>/<key> (cacheKey of the plugin, which plugin
// identifies, and the GPUs).
func useCompileCache(name string, opts CacheOptions, plugin func(name string) (pluginID, error), warn func(error)) {
	if !strings.HasPrefix(name, "xla:cuda") || opts.Off {
		return
	}
	if found, _ := cacheFlagIn(os.Getenv(EnvXLAFlags)); found {
		return // the user's, or added by an earlier backend of this process
	}
	id, err := plugin(name)
	if err != nil {
		return // starting the backend fails and says why
	}
	root := opts.Root
	if root == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			warnOnce(warn, "", &CacheError{Err: err})
			return
		}
		root = filepath.Join(cache, "neurona", "xla-autotune")
	}
	setCacheFlag(filepath.Join(root, cacheKey(id, gpuModels())), warn)
}

// setCacheFlag makes the cache folder dir and adds it to $XLA_FLAGS after
// the user's flags. A folder that cannot be made or written is skipped
// with one warning line (once per folder and process): the cache only
// saves time, so it never fails a command.
func setCacheFlag(dir string, warn func(error)) bool {
	if err := usableDir(dir); err != nil {
		warnOnce(warn, dir, &CacheError{Dir: dir, Err: err})
		return false
	}
	value, _ := withCacheFlag(os.Getenv(EnvXLAFlags), dir, false)
	if err := os.Setenv(EnvXLAFlags, value); err != nil {
		warnOnce(warn, dir, &CacheError{Dir: dir, Err: err, Env: true})
		return false
	}
	return true
}

func warnOnce(warn func(error), key string, w error) {
	if _, seen := cacheWarned.LoadOrStore(key, true); !seen && warn != nil {
		warn(w)
	}
}

// CacheError is the warning that XLA's compile cache is skipped: no cache
// folder (Dir ""), the folder Dir unusable, or $XLA_FLAGS not settable
// (Env). The cache only saves time, so it never fails a command.
type CacheError struct {
	Dir string
	Env bool
	Err error
}

func (e *CacheError) Error() string {
	switch {
	case e.Dir == "":
		return fmt.Sprintf("no folder for XLA's compile cache (%v); compiling without it", e.Err)
	case e.Env:
		return fmt.Sprintf("cannot set $%s for XLA's compile cache (%v); compiling without it", EnvXLAFlags, e.Err)
	}
	return fmt.Sprintf("XLA compile cache %s unusable (%v); compiling without it", e.Dir, firstLine(e.Err.Error()))
}

func (e *CacheError) Unwrap() error { return e.Err }

// WithCacheInUse returns the error err of a compilation that failed on the
// backend name as a *CacheInUseError when XLA's compile cache was in
// effect (a damaged entry may be why), else err.
func WithCacheInUse(name string, err error) error {
	dir := CompileCacheDir()
	if err == nil || !strings.HasPrefix(name, "xla:cuda") || dir == "" {
		return err
	}
	return &CacheInUseError{Dir: dir, Err: err}
}

// CacheInUseError is a compilation that failed while XLA's compile cache
// Dir was in effect: a damaged entry may be why; removing the folder or
// compiling without the cache gets around it.
type CacheInUseError struct {
	Dir string
	Err error
}

func (e *CacheInUseError) Error() string {
	return fmt.Sprintf("%v (XLA's compile cache %s was in use: if a damaged entry is why, remove the folder or compile without the cache)", e.Err, e.Dir)
}

func (e *CacheInUseError) Unwrap() error { return e.Err }

// CacheUse is what one compilation did with XLA's autotuning cache: its
// folder and how many entries it held before and after.
type CacheUse struct {
	Dir           string
	Before, After int
}

// StartCacheUse counts the entries of the cache in effect (CompileCacheDir)
// before a compilation on the backend name; End counts them after. It is
// the zero CacheUse (nothing to report) for a backend other than xla:cuda
// or without a cache.
func StartCacheUse(name string) CacheUse {
	dir := CompileCacheDir()
	if !strings.HasPrefix(name, "xla:cuda") || dir == "" {
		return CacheUse{}
	}
	n := cacheEntries(dir)
	return CacheUse{Dir: dir, Before: n, After: n}
}

// End counts the cache's entries after the compilation.
func (u CacheUse) End() CacheUse {
	if u.Dir != "" {
		u.After = cacheEntries(u.Dir)
	}
	return u
}

// State says whether the compilation found its autotuning results in the
// cache: "warm" (every one: nothing new written), "cold" (the cache was
// empty), "partly warm" (some new), or "" without a cache.
func (u CacheUse) State() string {
	switch {
	case u.Dir == "":
		return ""
	case u.Before == 0:
		return "cold"
	case u.After > u.Before:
		return "partly warm"
	default:
		return "warm"
	}
}

// String describes the use for a compile line: "XLA autotune cache warm
// (12 entries, DIR)".
func (u CacheUse) String() string {
	if u.Dir == "" {
		return ""
	}
	return fmt.Sprintf("XLA autotune cache %s (%d entries, %d new, %s)", u.State(), u.After, max(0, u.After-u.Before), u.Dir)
}

// cacheEntries counts the files in a cache folder and its subfolders (0
// when it cannot be read).
func cacheEntries(dir string) int {
	n := 0
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && !strings.HasPrefix(d.Name(), ".") {
			n++
		}
		return nil // an unreadable part counts as empty
	})
	return n
}
