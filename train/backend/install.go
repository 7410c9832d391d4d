package backend

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gomlx/go-xla/installer"
	"github.com/gomlx/go-xla/pjrt"
)

// Installable lists the backends InstallPlugin installs.
var Installable = []string{"xla:cpu", "xla:cuda"}

// Bounds of the installer's network calls: offline, a download fails in
// seconds instead of waiting on the system's TCP time-outs. A download that
// has started is not limited in time (the CUDA libraries take minutes).
const (
	installDialTimeout   = 10 * time.Second
	installHeaderTimeout = 30 * time.Second
)

// installProxy picks the proxy of each installer request (tests send them
// all to a closed port on this machine).
var installProxy = http.ProxyFromEnvironment

// InstallPlugin downloads and installs the PJRT plugin of backend (xla:cpu
// or xla:cuda) with go-xla's own installer, into the folder go-xla searches
// (~/.local/lib/go-xla), verifying the files' checksums as go-xla does (the
// PyPI SHA-256 of the CUDA wheels). version "" installs the version this
// go-xla release was tested with for xla:cpu, and the latest for xla:cuda.
// go-xla's installer prints its progress on stdout. It returns the folder
// installed into.
//
// neurona never installs anything unasked (go-xla's auto-install is off);
// this is the explicit way in.
func InstallPlugin(backend, version string) (dir string, err error) {
	lib, err := installer.DefaultHomeLibPath()
	if err != nil {
		return "", fmt.Errorf("find the install folder: %w", err)
	}
	dir = filepath.Join(lib, "go-xla")
	restore := boundHTTP()
	defer restore()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("go-xla's installer failed: %v", r)
		}
	}()
	switch backend {
	case "xla:cpu":
		if version == "" {
			version = pjrt.DefaultCPUVersion
		}
		platform := runtime.GOOS + "_" + runtime.GOARCH
		err = installer.CPUInstall(platform, version, dir, true, installer.Normal)
	case "xla:cuda":
		if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
			return dir, fmt.Errorf("xla:cuda: go-xla installs the CUDA plugin on linux/amd64 only, not %s/%s", runtime.GOOS, runtime.GOARCH)
		}
		if version == "" {
			version = "latest"
		}
		// Ask PyPI first: offline, nothing is touched.
		if _, _, err = installer.CudaGetPJRTPipInfo("cuda13"); err == nil {
			err = keepOnFailure(filepath.Join(dir, "nvidia"), func() error {
				return installer.CudaInstall("cuda13", version, dir, true, installer.Normal)
			})
		}
	default:
		return dir, fmt.Errorf("cannot install backend %q (installable: %s)", backend, strings.Join(Installable, ", "))
	}
	if err != nil {
		return dir, fmt.Errorf("install %s (version %s) into %s: %s%s", backend, version, dir, oneLine(err), offlineHint(err))
	}
	return dir, nil
}

// keepOnFailure runs install, which deletes folder before writing it anew
// (go-xla's CudaInstall does): folder is moved aside first, and put back
// if install fails, so that a failed download loses no working install.
func keepOnFailure(folder string, install func() error) error {
	backup := folder + ".neurona-backup"
	_ = os.RemoveAll(backup) // a leftover of an interrupted earlier install
	moved := os.Rename(folder, backup) == nil
	err := install()
	switch {
	case err != nil && moved:
		_ = os.RemoveAll(folder)
		if rerr := os.Rename(backup, folder); rerr != nil {
			return fmt.Errorf("%w (and the previous install could not be put back from %s: %v)", err, backup, rerr)
		}
	case moved:
		_ = os.RemoveAll(backup)
	}
	return err
}

// boundHTTP makes http.DefaultClient, which go-xla's installer uses, give
// up on connections and response headers that do not come in time; the
// returned function restores it.
func boundHTTP() (restore func()) {
	old := http.DefaultClient.Transport
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = installProxy
	t.DialContext = (&net.Dialer{Timeout: installDialTimeout}).DialContext
	t.TLSHandshakeTimeout = installDialTimeout
	t.ResponseHeaderTimeout = installHeaderTimeout
	http.DefaultClient.Transport = t
	return func() { http.DefaultClient.Transport = old }
}

// offlineHint explains a network failure.
func offlineHint(err error) string {
	var netErr net.Error
	var dnsErr *net.DNSError
	var opErr *net.OpError
	if errors.As(err, &dnsErr) || errors.As(err, &opErr) || (errors.As(err, &netErr) && netErr.Timeout()) ||
		strings.Contains(err.Error(), "dial tcp") || strings.Contains(err.Error(), "proxyconnect") {
		return " (the download needs internet access to GitHub and PyPI)"
	}
	return ""
}

// oneLine joins a multi-line error message into one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}
