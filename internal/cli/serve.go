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
	"github.com/spf13/cobra"
)

// serveOptions is what `neurona serve` was asked to serve.
type serveOptions struct {
	dir     string // the runs folder
	addr    string // host:port to listen on
	backend string
}

// defaultServeAddr keeps the server on this machine unless --addr says otherwise.
const defaultServeAddr = "127.0.0.1:8080"

// newCmdServe builds `neurona serve`; runF, if not nil, runs instead of
// serveRun.
func newCmdServe(e *env, runF func(*serveOptions) error) *cobra.Command {
	o := &serveOptions{dir: "runs"}
	cmd := &cobra.Command{
		Use:   "serve [DIR]",
		Short: "serve a runs folder as a local web app: live curves, results, a pad to draw digits on",
		Long: "Serves the runs in DIR (the folder that holds the run folders; default runs) as a local web\n" +
			"app: live training curves, each run's results, a pad to draw digits on for predictions, and a\n" +
			"JSON API.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("unexpected argument %q (serve takes one runs folder)", args[1])
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.dir = args[0]
			}
			if err := checkServe(e, o); err != nil {
				return err
			}
			if runF != nil {
				return runF(o)
			}
			return serveRun(e, o)
		},
		ValidArgsFunction: completeDirs,
	}
	fs := cmd.Flags()
	fs.StringVar(&o.addr, "addr", defaultServeAddr, "address to listen on, host:port (port 0: any free port); any host but loopback makes the runs visible to that network")
	fs.StringVar(&o.backend, "backend", "", "compute backend for predictions: go, xla:cuda, xla:cpu (default: $GOMLX_BACKEND, else the best available)")
	completeModelFlags(cmd)
	return cmd
}

// checkServe refuses a runs folder that is missing, a file or a run
// folder, an address that is not host:port and an unknown backend.
func checkServe(e *env, o *serveOptions) error {
	if err := needPath("runs folder", o.dir); err != nil {
		return err
	}
	if st, err := os.Stat(o.dir); err == nil && !st.IsDir() {
		return usagef("%s is not a folder (want the folder that holds the run folders, such as runs)", o.dir)
	}
	for _, f := range []string{"metrics.jsonl", "summary.json"} {
		if _, err := os.Stat(filepath.Join(o.dir, f)); err == nil {
			return usagef("%s is a run folder; serve the folder that holds it: neurona serve %s", o.dir, filepath.Dir(filepath.Clean(o.dir)))
		}
	}
	_, port, err := net.SplitHostPort(o.addr)
	if n, perr := strconv.Atoi(port); err != nil || perr != nil || n < 0 || n > 65535 {
		return usagef("--addr %q (want host:port, such as %s, or :8080 for every interface)", o.addr, defaultServeAddr)
	}
	return checkBackend(e, o.backend)
}

// serveRun serves o.dir until e.ctx is cancelled.
func serveRun(e *env, o *serveOptions) error {
	b, backendName, err := e.newBackend(o.backend)
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
		Logf:    e.logf,
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
