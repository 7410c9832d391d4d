package serve

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"runtime/debug"
	"strings"

	"github.com/neurona/neurona/data"
	"github.com/neurona/neurona/internal/safefile"
	"github.com/neurona/neurona/internal/safejson"
	"github.com/neurona/neurona/train/checkpoint"
)

// httpError is an error with the HTTP status it answers.
type httpError struct {
	code int
	err  error
}

func (e *httpError) Error() string { return e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

// statusOf maps an error to the HTTP status it answers: the client's
// mistakes are 4xx, the server's (a damaged checkpoint, a backend error) 500.
func statusOf(err error) int {
	var he *httpError
	switch {
	case errors.As(err, &he):
		return he.code
	case errors.Is(err, errBadName), errors.Is(err, data.ErrNotPNG):
		return http.StatusBadRequest
	case errors.Is(err, errNoRun), errors.Is(err, errNoSweep):
		return http.StatusNotFound
	case errors.Is(err, errSymlink), errors.Is(err, fs.ErrPermission), errors.Is(err, safefile.ErrNotRegular):
		// What the server may not read, or will not: a link, a folder
		// it has no permission for, a named pipe or device.
		return http.StatusForbidden
	case errors.Is(err, errNoModel), errors.Is(err, checkpoint.ErrNone), errors.Is(err, errNotTested):
		return http.StatusConflict
	case errors.Is(err, data.ErrImageSize):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, data.ErrBlankImage), errors.Is(err, errNotDrawable):
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// errorBody is every error's JSON body.
type errorBody struct {
	Error string `json:"error"`
}

// writeError answers err as JSON with its status; 5xx errors are logged,
// except 503 (busy): a flood of refused requests would flood the log.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := statusOf(err)
	msg := err.Error()
	if first, _, ok := strings.Cut(msg, "\n"); ok { // GoMLX errors may carry a stack
		msg = first
	}
	if code >= 500 && code != http.StatusServiceUnavailable {
		s.logf("serve: %s %s: %s", r.Method, r.URL.Path, msg)
	}
	_ = writeJSON(w, code, errorBody{msg})
}

// writeJSON answers v as JSON (NaN and infinities as null, as in the run's
// own files). The write error is the client's loss: it is returned for
// handlers that care.
func writeJSON(w http.ResponseWriter, code int, v any) error {
	b, err := safejson.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":"encode the answer"}`)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
	}
	w.WriteHeader(code)
	_, err = w.Write(append(b, '\n'))
	return err
}

// recoverJSON answers a panic in next with 500 and a JSON error (and logs
// its stack) instead of dropping the connection; http.ErrAbortHandler,
// which aborts a response on purpose, is let through.
func (s *Server) recoverJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.logf("serve: panic in %s %s: %v\n%s", r.Method, r.URL.Path, v, debug.Stack())
			_ = writeJSON(w, http.StatusInternalServerError, errorBody{"internal error"})
		}()
		next.ServeHTTP(w, r)
	})
}

// guard refuses, before any handler sees them, requests for a path that
// is not clean (".." or "." segments, however encoded, empty segments,
// which a leading "//" makes of an absolute path) and, unless anyHost,
// requests for a Host that is not loopback. It also sets the headers
// every answer carries.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "+
			"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		if p := r.URL.Path; !cleanPath(p) {
			s.writeError(w, r, &httpError{http.StatusBadRequest, fmt.Errorf("bad path %q: it must be clean (no \"..\", \".\", empty segments or backslashes)", p)})
			return
		}
		if !s.anyHost && !loopbackHost(r.Host) {
			s.writeError(w, r, &httpError{http.StatusMisdirectedRequest, fmt.Errorf("host %q is not this server's: it answers localhost, 127.0.0.1 and [::1] only (start it with --addr to serve a network)", r.Host)})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// cleanPath reports whether a request's path (percent-decoded, so
// "%2e%2e" is "..") is absolute and clean: no "." or ".." segment, no
// empty one but a trailing slash's, no backslash.
func cleanPath(p string) bool {
	if !strings.HasPrefix(p, "/") || strings.Contains(p, "\\") {
		return false
	}
	segs := strings.Split(p[1:], "/")
	for i, seg := range segs {
		if seg == "." || seg == ".." || (seg == "" && i < len(segs)-1) {
			return false
		}
	}
	return true
}

// loopbackHost reports whether a Host header names the loopback interface.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// only answers 405 with a JSON error unless the method is one of methods
// (GET also allows HEAD).
func (s *Server) only(methods string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := r.Method
		if m == http.MethodHead {
			m = http.MethodGet
		}
		for allowed := range strings.FieldsSeq(methods) {
			if m == allowed {
				next(w, r)
				return
			}
		}
		w.Header().Set("Allow", strings.ReplaceAll(methods, " ", ", "))
		s.writeError(w, r, &httpError{http.StatusMethodNotAllowed, fmt.Errorf("%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, methods)})
	}
}
