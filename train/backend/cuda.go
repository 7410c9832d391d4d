package backend

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gomlx/compute"
)

// The file name go-xla looks for in PJRT_PLUGIN_LIBRARY_PATH.
const cudaPluginName = "pjrt_c_api_cuda_plugin.so"

// Environment variables of the CUDA set-up.
const (
	// EnvPJRTPlugin carries --pjrt-plugin to the re-executed process.
	EnvPJRTPlugin = "NEURONA_PJRT_PLUGIN"
	// envCUDAReady marks a process whose environment neurona already
	// prepared, so it never re-executes twice.
	envCUDAReady = "NEURONA_CUDA_READY"
)

// CUDAPlugin is a CUDA PJRT plugin found on this machine.
type CUDAPlugin struct {
	Path   string // the plugin's shared library
	NVIDIA string // pip's site-packages/nvidia folder with the CUDA libraries it needs ("" if none)
	Source string // where it was found, for messages
}

// CUDARestartEnv returns the environment to restart the process with so
// that xla:cuda can load its plugin, or nil when no restart is needed: the
// process was already restarted, the Go backend was asked for (requested,
// the --backend value, or else $GOMLX_BACKEND), there is neither a plugin
// named (plugin, the --pjrt-plugin value, or else $NEURONA_PJRT_PLUGIN)
// nor an NVIDIA GPU (hasGPU, see HasNVIDIAGPU), no plugin is found, or
// environ already has what the plugin needs. p is the plugin found (also
// with an error); its folder is laid out under cacheDir (see cudaEnv).
//
// The dynamic loader reads LD_LIBRARY_PATH only when a process starts, and
// go-xla reads PJRT_PLUGIN_LIBRARY_PATH when its package initializes, so
// the caller re-executes itself with env before creating any backend.
func CUDARestartEnv(requested, plugin string, getenv func(string) string, environ []string, hasGPU bool, cacheDir string) (env []string, p *CUDAPlugin, err error) {
	if getenv(envCUDAReady) != "" {
		return nil, nil, nil
	}
	if plugin == "" {
		plugin = getenv(EnvPJRTPlugin)
	}
	if IsGo(requested) || (requested == "" && strings.HasPrefix(getenv(compute.ConfigEnvVar), Go)) {
		return nil, nil, nil
	}
	if plugin == "" && !hasGPU {
		return nil, nil, nil
	}
	if p, _ = findCUDAPlugin(plugin, getenv); p == nil {
		return nil, nil, nil
	}
	env, changed, err := cudaEnv(p, cacheDir, environ)
	if err != nil || !changed {
		return nil, p, err
	}
	return append(env, envCUDAReady+"=1"), p, nil
}

// findCUDAPlugin looks for a CUDA PJRT plugin where users have one, in
// order: explicit (--pjrt-plugin: a file or a folder), the folders of
// $PJRT_PLUGIN_LIBRARY_PATH, go-xla's install folders (~/.local/lib/go-xla,
// /usr/local/lib/go-xla), and JAX's pip plugin (jax[cuda13] or jax[cuda12])
// in the site-packages of python3, of an active virtualenv or conda
// environment, and of common venv places. It returns nil if there is none,
// with the places searched.
func findCUDAPlugin(explicit string, getenv func(string) string) (*CUDAPlugin, []string) {
	var searched []string
	if explicit != "" {
		searched = append(searched, explicit)
		if p := pluginIn(explicit, "the plugin asked for"); p != nil {
			return p, searched
		}
		return nil, searched
	}
	for _, dir := range filepath.SplitList(getenv("PJRT_PLUGIN_LIBRARY_PATH")) {
		searched = append(searched, dir)
		if p := pluginIn(dir, "$PJRT_PLUGIN_LIBRARY_PATH"); p != nil {
			return p, searched
		}
	}
	home := getenv("HOME")
	for _, dir := range []string{filepath.Join(home, ".local/lib/go-xla"), "/usr/local/lib/go-xla"} {
		searched = append(searched, dir)
		if p := pluginIn(dir, "go-xla's install folder "+dir); p != nil {
			return p, searched
		}
	}
	for _, sp := range sitePackages(getenv) {
		searched = append(searched, sp)
		if p := pluginIn(sp, "JAX's pip plugin in "+sp); p != nil {
			return p, searched
		}
	}
	return nil, searched
}

// pluginIn finds a plugin at path: the file itself, go-xla's name in the
// folder or one level down, or JAX's plugin in a site-packages folder.
func pluginIn(path, source string) *CUDAPlugin {
	info, err := os.Stat(path)
	if err != nil {
		return nil
	}
	if !info.IsDir() {
		return &CUDAPlugin{Path: path, NVIDIA: nvidiaNear(path), Source: source}
	}
	candidates := []string{filepath.Join(path, cudaPluginName), filepath.Join(path, "nvidia", cudaPluginName)}
	// JAX names its plugin package after the CUDA major version; prefer the newest.
	for _, v := range []string{"13", "12"} {
		candidates = append(candidates, filepath.Join(path, "jax_plugins", "xla_cuda"+v, "xla_cuda_plugin.so"))
	}
	for _, c := range candidates {
		if fi, err := os.Stat(c); err == nil && !fi.IsDir() {
			return &CUDAPlugin{Path: c, NVIDIA: nvidiaNear(c), Source: source}
		}
	}
	return nil
}

// nvidiaNear finds pip's nvidia/ folder of CUDA libraries near a plugin:
// site-packages/nvidia for JAX's layout, or ../nvidia for go-xla's.
func nvidiaNear(plugin string) string {
	dir := filepath.Dir(plugin)
	for range 3 {
		candidate := filepath.Join(dir, "nvidia")
		if fi, err := os.Stat(candidate); err == nil && fi.IsDir() && candidate != filepath.Dir(plugin) {
			return candidate
		}
		dir = filepath.Dir(dir)
	}
	if filepath.Base(filepath.Dir(plugin)) == "nvidia" {
		return filepath.Dir(plugin)
	}
	return ""
}

// sitePackages lists the Python site-packages folders to search.
func sitePackages(getenv func(string) string) []string {
	var roots []string
	for _, env := range []string{"VIRTUAL_ENV", "CONDA_PREFIX"} {
		if v := getenv(env); v != "" {
			roots = append(roots, v)
		}
	}
	home := getenv("HOME")
	roots = append(roots, ".venv", "venv", filepath.Join(home, ".venv"), filepath.Join(home, "venv"))
	if opt, err := filepath.Glob("/opt/*/.venv"); err == nil {
		roots = append(roots, opt...)
	}
	if opt, err := filepath.Glob("/opt/*/venv"); err == nil {
		roots = append(roots, opt...)
	}
	var out []string
	for _, root := range roots {
		if sp, err := filepath.Glob(filepath.Join(root, "lib", "python3*", "site-packages")); err == nil {
			out = append(out, sp...)
		}
	}
	out = append(out, pythonSitePackages()...)
	return uniq(out)
}

// pythonSitePackages asks python3 (if installed) for its site-packages.
func pythonSitePackages() []string {
	python, err := exec.LookPath("python3")
	if err != nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-c",
		"import site; print('\\n'.join(site.getsitepackages() + [site.getusersitepackages()]))").Output()
	if err != nil {
		return nil
	}
	return strings.Fields(string(out))
}

func uniq(xs []string) []string {
	var out []string
	for _, x := range xs {
		if x != "" && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// HasNVIDIAGPU reports whether the machine shows an NVIDIA device.
func HasNVIDIAGPU() bool {
	m, _ := filepath.Glob("/dev/nvidia[0-9]*")
	return len(m) > 0
}

// cudaEnv returns the environment a process needs to load plugin p: its
// own folder in PJRT_PLUGIN_LIBRARY_PATH, laid out as go-xla expects (the
// plugin as pjrt_c_api_cuda_plugin.so beside links to pip's NVIDIA library
// folders, under cacheDir), and those libraries' lib/ folders in
// LD_LIBRARY_PATH. changed is false when environ already has all that.
func cudaEnv(p *CUDAPlugin, cacheDir string, environ []string) (env []string, changed bool, err error) {
	get := func(key string) string {
		for _, kv := range environ {
			if k, v, ok := strings.Cut(kv, "="); ok && k == key {
				return v
			}
		}
		return ""
	}
	pluginDir := filepath.Dir(p.Path)
	if filepath.Base(p.Path) != cudaPluginName || (p.NVIDIA != "" && filepath.Dir(pluginDir) != filepath.Dir(p.NVIDIA)) {
		sum := sha256.Sum256([]byte(p.Path + "\x00" + p.NVIDIA))
		base := filepath.Join(cacheDir, "pjrt-cuda-"+hex.EncodeToString(sum[:6]))
		pluginDir = filepath.Join(base, "nvidia")
		if err := linkPluginDir(pluginDir, p); err != nil {
			return nil, false, fmt.Errorf("prepare CUDA plugin folder %s: %w", pluginDir, err)
		}
	}
	libDirs := nvidiaLibDirs(p.NVIDIA)
	env = slices.Clone(environ)
	set := func(key string, front []string) {
		old := filepath.SplitList(get(key))
		var add []string
		for _, f := range front {
			if !slices.Contains(old, f) {
				add = append(add, f)
			}
		}
		if len(add) == 0 {
			return
		}
		changed = true
		value := strings.Join(append(add, old...), string(os.PathListSeparator))
		env = slices.DeleteFunc(env, func(kv string) bool { return strings.HasPrefix(kv, key+"=") })
		env = append(env, key+"="+strings.TrimSuffix(value, string(os.PathListSeparator)))
	}
	plugins := []string{pluginDir}
	if get("PJRT_PLUGIN_LIBRARY_PATH") == "" {
		// Once PJRT_PLUGIN_LIBRARY_PATH is set, go-xla searches only there:
		// keep its own install folders, so that the plugins installed there
		// (xla:cpu, say) stay visible.
		plugins = append(plugins, goXLAFolders(get("HOME"))...)
	}
	set("PJRT_PLUGIN_LIBRARY_PATH", plugins)
	set("LD_LIBRARY_PATH", libDirs)
	return env, changed, nil
}

// goXLAFolders are the folders go-xla v0.4.1 searches for plugins when
// PJRT_PLUGIN_LIBRARY_PATH is not set (pjrt/dynamiclib_posix.go), those
// that exist.
func goXLAFolders(home string) []string {
	var dirs []string
	if home != "" {
		dirs = append(dirs, filepath.Join(home, ".local/lib/go-xla"), filepath.Join(home, ".local/lib/go-xla/nvidia"),
			filepath.Join(home, ".local/lib/gomlx/pjrt"))
	}
	dirs = append(dirs, "/usr/local/lib/go-xla", "/usr/local/lib/go-xla/nvidia", "/usr/local/lib/gomlx/pjrt")
	return slices.DeleteFunc(dirs, func(d string) bool {
		fi, err := os.Stat(d)
		return err != nil || !fi.IsDir()
	})
}

// nvidiaLibDirs lists every folder named lib under pip's nvidia/ folder, at
// any depth (as `find nvidia -type d -name lib`): the CUDA wheels put their
// libraries at nvidia/X/lib, and some at deeper levels.
func nvidiaLibDirs(nvidia string) []string {
	if nvidia == "" {
		return nil
	}
	var dirs []string
	_ = filepath.WalkDir(nvidia, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable folder: skip it
		}
		if d.IsDir() && d.Name() == "lib" {
			dirs = append(dirs, path)
		}
		return nil
	})
	return dirs
}

// linkPluginDir makes dir hold pjrt_c_api_cuda_plugin.so -> the plugin and
// a link to each of pip's NVIDIA library folders (go-xla and the plugin look
// for them beside it).
func linkPluginDir(dir string, p *CUDAPlugin) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	links := map[string]string{cudaPluginName: p.Path}
	if p.NVIDIA != "" {
		entries, err := os.ReadDir(p.NVIDIA)
		if err != nil {
			return err
		}
		for _, e := range entries {
			links[e.Name()] = filepath.Join(p.NVIDIA, e.Name())
		}
	}
	for name, target := range links {
		link := filepath.Join(dir, name)
		if current, err := os.Readlink(link); err == nil && current == target {
			continue
		}
		_ = os.Remove(link)
		if err := os.Symlink(target, link); err != nil {
			return err
		}
	}
	return nil
}
