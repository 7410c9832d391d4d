package cli

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/serve"
	"github.com/neurona/neurona/train"
	"github.com/neurona/neurona/train/backend"
)

// serveOptions is what `neurona serve` was asked to serve.
type serveOptions struct {
	dir     string // the runs folder
	addr    string // host:port to listen on
	backend string
}

// defaultServeAddr keeps the server on this machine unless --addr says otherwise.
const defaultServeAddr = "127.0.0.1:8080"

// parseServe fills serveOptions from args: an optional runs folder, flags anywhere.
func parseServe(args []string, e *env) (*serveOptions, error) {
	fs := newFlags("serve", "serve [DIR] [--addr 127.0.0.1:8080] [--backend B]  (DIR: the runs folder, default runs)", e.stdout)
	o := &serveOptions{dir: "runs"}
	fs.StringVar(&o.addr, "addr", defaultServeAddr, "address to listen on, host:port (port 0: any free port); any host but loopback makes the runs visible to that network")
	fs.StringVar(&o.backend, "backend", "", "compute backend for predictions: go, xla:cuda, xla:cpu (default: $GOMLX_BACKEND, else the best available)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	switch {
	case len(pos) > 1:
		return nil, usagef("unexpected argument %q (serve takes one runs folder)", pos[1])
	case len(pos) == 1:
		o.dir = pos[0]
	}
	if err := needPath("runs folder", o.dir); err != nil {
		return nil, err
	}
	if st, err := os.Stat(o.dir); err == nil && !st.IsDir() {
		return nil, usagef("%s is not a folder (want the folder that holds the run folders, such as runs)", o.dir)
	}
	for _, f := range []string{"metrics.jsonl", "summary.json"} {
		if _, err := os.Stat(filepath.Join(o.dir, f)); err == nil {
			return nil, usagef("%s is a run folder; serve the folder that holds it: neurona serve %s", o.dir, filepath.Dir(filepath.Clean(o.dir)))
		}
	}
	_, port, err := net.SplitHostPort(o.addr)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return nil, usagef("--addr %q (want host:port, such as %s, or :8080 for every interface)", o.addr, defaultServeAddr)
	}
	if err := checkBackend(o.backend); err != nil {
		return nil, err
	}
	return o, nil
}

func runServe(e *env, args []string) error {
	o, err := parseServe(args, e)
	if err != nil {
		return err
	}
	b, backendName, err := backend.New(o.backend)
	if err != nil {
		return err
	}
	defer b.Finalize()
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.addr, err)
	}
	defer ln.Close()
	// The address as asked for (0.0.0.0 listens on [::] too), with the port
	// the system gave; a wildcard is reached locally through 127.0.0.1.
	host, _, _ := net.SplitHostPort(o.addr)
	listening, visit, loopback := ln.Addr().String(), ln.Addr().String(), false
	if a, ok := ln.Addr().(*net.TCPAddr); ok {
		port := strconv.Itoa(a.Port)
		listening, visit, loopback = net.JoinHostPort(host, port), net.JoinHostPort(a.IP.String(), port), a.IP.IsLoopback()
		if a.IP.IsUnspecified() {
			listening, visit = "every network interface, port "+port, net.JoinHostPort("127.0.0.1", port)
		}
	}
	s, err := serve.New(serve.Options{Dir: o.dir, AnyHost: !loopback,
		Load: func(runDir string) (*train.Trained, error) {
			c, err := runCheckpoint(e, "serve", runDir)
			if err != nil {
				return nil, err
			}
			return train.LoadTrained(b, c)
		},
		TestSet: testSets(e),
		Logf:    func(format string, args ...any) { fmt.Fprintf(e.stderr, format+"\n", args...) },
	})
	if err != nil {
		return err
	}
	defer s.Close()
	if !loopback {
		fmt.Fprintf(e.stdout, "WARNING: listening on %s, not only on this machine: the runs in %s (configurations, curves, pictures, predictions) are visible to that network, without a password\n", listening, o.dir)
	}
	fmt.Fprintf(e.stdout, "serving the runs in %s at http://%s/ (predictions on %s; Ctrl-C stops)\n", o.dir, visit, backendName)
	if err := s.Serve(e.ctx, ln); err != nil {
		return err
	}
	return e.ctx.Err() // stopped by a signal: exit 130 or 143
}

// testSets returns the server's TestSetLoader: the test images of the data
// a model was trained on, as eval finds them (never downloaded), the last
// dataset kept for the next run trained on it.
func testSets(e *env) serve.TestSetLoader {
	var mu sync.Mutex
	var last *data.MNIST
	return func(t *train.Trained) (*data.Set, error) {
		mu.Lock()
		defer mu.Unlock()
		if _, dir := train.TrainedOn(t.Checkpoint); last != nil && dir != "" && dir == last.Dir {
			return last.Test, nil
		}
		m, _, err := trainedData(e, t.Checkpoint, data.LocateOptions{Getenv: e.getenv})
		if err != nil {
			return nil, err
		}
		last = m
		return m.Test, nil
	}
}
