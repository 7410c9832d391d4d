package serve

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

// assets are the pages, scripts and style sheet, embedded so that the
// server works offline and serves nothing but what it was built with.
//
//go:embed assets/*.html assets/*.js assets/*.css
var assets embed.FS

// assetTypes are the media types of the assets, fixed rather than taken
// from the system's MIME database, which differs between machines.
var assetTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

// assetTime is the Last-Modified of every asset: embedded files have none,
// and a fixed time would let a browser keep a previous build's scripts.
var assetTime = time.Now()

// asset serves one embedded file of assets/ (not a listing of the folder).
func (s *Server) asset(w http.ResponseWriter, r *http.Request) {
	s.serveAsset(w, r, r.PathValue("file"))
}

// page returns a handler serving the embedded page name.
func (s *Server) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { s.serveAsset(w, r, name) }
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request, name string) {
	b, err := fs.ReadFile(assets, "assets/"+name)
	if err != nil || strings.ContainsAny(name, `/\`) {
		s.writeError(w, r, &httpError{http.StatusNotFound, fmt.Errorf("no asset %q", name)})
		return
	}
	w.Header().Set("Content-Type", assetTypes[path.Ext(name)])
	w.Header().Set("Cache-Control", "no-cache")
	http.ServeContent(w, r, name, assetTime, bytes.NewReader(b))
}
