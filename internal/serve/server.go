package serve

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options configure a Server.
type Options struct {
	// Dir is the folder of runs: each folder directly under it that train
	// wrote (metrics.jsonl, summary.json or checkpoints/) is a run.
	Dir string
	// Load loads a run's model for predictions and evaluation; nil serves
	// the runs without (predict answers 500).
	Load Loader
	// TestSet gives the test images for a finished run's per-class
	// precision and recall; nil leaves them out (evaluation answers 404).
	TestSet TestSetLoader
	// AnyHost accepts requests whatever their Host header. By default only
	// loopback hosts are (localhost, 127.0.0.1, [::1]), so that a web page
	// elsewhere cannot reach the server through a DNS name rebound to
	// 127.0.0.1; a server listening beyond loopback needs AnyHost.
	AnyHost bool
	// Logf reports models loaded and internal errors; nil discards them.
	Logf func(format string, args ...any)
}

// Server is the web app over one folder of runs; it is an http.Handler.
type Server struct {
	dir     string
	root    *os.Root // dir: nothing opened through it leaves it
	anyHost bool
	logf    func(format string, args ...any)
	metrics metricsCache
	models  modelCache
	// predicts bounds the predictions at work and waiting (queue.go);
	// each request waits for its turn at most predictDeadline.
	predicts        *queue
	predictDeadline time.Duration
	handler         http.Handler
}

// New returns a Server over opts.Dir, which must be a folder. The caller
// must Close it.
func New(opts Options) (*Server, error) {
	fi, err := os.Stat(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("runs folder: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("runs folder %s is not a folder", opts.Dir)
	}
	root, err := os.OpenRoot(opts.Dir)
	if err != nil {
		return nil, fmt.Errorf("runs folder: %w", err)
	}
	logf := opts.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	s := &Server{dir: filepath.Clean(opts.Dir), root: root, anyHost: opts.AnyHost, logf: logf,
		models:   modelCache{load: opts.Load, testSet: opts.TestSet, logf: logf},
		predicts: newQueue(maxPredicting, maxWaiting), predictDeadline: predictDeadline}
	s.handler = s.routes()
	return s, nil
}

// Close releases the runs folder.
func (s *Server) Close() error { return s.root.Close() }

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Timeouts of the HTTP server. Nothing streams (the pages poll), so every
// response has WriteTimeout; the longest is a run's first evaluation (the
// test set through the default MLP on the Go backend takes seconds).
const (
	readHeaderTimeout = 10 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 2 * time.Minute
	idleTimeout       = 2 * time.Minute
	shutdownTimeout   = 5 * time.Second
	maxHeaderBytes    = 64 << 10
)

// HTTPServer returns an http.Server for s with its timeouts set.
func (s *Server) HTTPServer() *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          log.New(logWriter(s.logf), "serve: ", 0),
	}
}

// Serve answers requests on ln until ctx is cancelled, then shuts down:
// it stops listening and waits up to 5 s for the requests in progress.
// It returns nil after a shutdown for ctx, else why serving stopped.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	hs := s.HTTPServer()
	hs.BaseContext = func(net.Listener) context.Context { return ctx }
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("serve: shut down: %w", err)
	}
	return nil
}

// logWriter turns the http.Server's error log into Logf lines.
type logWriter func(format string, args ...any)

func (l logWriter) Write(p []byte) (int, error) {
	l("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
