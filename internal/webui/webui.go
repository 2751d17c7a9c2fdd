// Package webui serves the embedded dashboard: hashed assets with a long
// cache lifetime, and the app shell (index.html, never cached) for every
// client route, so a shared or reloaded address opens the right page.
package webui

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/tinomail/tinomail/web"
)

// Routes are the dashboard's client routes; the server answers each with the
// app shell. /logs/trace/{id} is matched by prefix.
var Routes = []string{
	"/",
	"/login",
	"/email-flow",
	"/email-flow/performance",
	"/email-flow/queue",
	"/bounces",
	"/logs",
	"/admin",
}

// TracePrefix is the client route of a message trace, /logs/trace/{id}.
const TracePrefix = "/logs/trace/"

// Handler serves the dashboard from a built dist directory.
type Handler struct {
	files     fs.FS
	index     []byte
	indexETag string
	// gzipped holds the gzip encoding of the compressible assets, made once
	// at start: the bundle is served ~3x smaller without compressing per request.
	gzipped map[string][]byte
}

// New returns the handler of the embedded build.
func New() (*Handler, error) {
	sub, err := fs.Sub(web.Dist, "dist")
	if err != nil {
		return nil, fmt.Errorf("webui: open embedded dist: %w", err)
	}
	return NewFS(sub)
}

// NewFS returns the handler of a build in files (index.html at its root).
func NewFS(files fs.FS) (*Handler, error) {
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return nil, fmt.Errorf("webui: the build has no index.html (run make web): %w", err)
	}
	sum := sha256.Sum256(index)
	h := &Handler{files: files, index: index, indexETag: `"` + hex.EncodeToString(sum[:8]) + `"`, gzipped: map[string][]byte{}}
	err = fs.WalkDir(files, "assets", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !compressible(name) {
			return err
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		if _, err := zw.Write(b); err != nil {
			return err
		}
		if err := zw.Close(); err != nil {
			return err
		}
		h.gzipped[name] = buf.Bytes()
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("webui: compress assets: %w", err)
	}
	return h, nil
}

func compressible(name string) bool {
	switch path.Ext(name) {
	case ".js", ".css", ".svg", ".json", ".html":
		return true
	}
	return false
}

// Mount adds the embedded dashboard to mux. A binary built without the
// dashboard (an empty dist) still serves the API; its pages then say so.
func Mount(mux *http.ServeMux, log *slog.Logger) {
	h, err := New()
	if err != nil {
		log.Error("webui: dashboard unavailable", "err", err)
		h = &Handler{files: emptyFS{}, index: []byte("TinoMail Monitor: the dashboard is not built into this binary (make web).\n"), gzipped: map[string][]byte{}}
	}
	h.Register(mux)
}

// emptyFS is an empty file system.
type emptyFS struct{}

func (emptyFS) Open(string) (fs.File, error) { return nil, fs.ErrNotExist }

// Shell answers a client route with index.html. It must not be cached: it
// names the current hashed assets.
func (h *Handler) Shell(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	if h.indexETag != "" {
		w.Header().Set("ETag", h.indexETag)
	}
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.index))
}

// Asset serves a file of assets/. Their names carry a hash of their content,
// so a browser may keep them forever.
func (h *Handler) Asset(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if !strings.HasPrefix(name, "assets/") {
		http.NotFound(w, r)
		return
	}
	f, err := h.files.Open(name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.IsDir() {
		http.NotFound(w, r)
		return
	}
	rs, ok := f.(readSeeker)
	if !ok {
		http.Error(w, "asset not seekable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Add("Vary", "Accept-Encoding")
	if gz, ok := h.gzipped[name]; ok && acceptsGzip(r) {
		w.Header().Set("Content-Encoding", "gzip")
		if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
			w.Header().Set("Content-Type", ct)
		}
		http.ServeContent(w, r, st.Name(), time.Time{}, bytes.NewReader(gz))
		return
	}
	http.ServeContent(w, r, st.Name(), time.Time{}, rs)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}

type readSeeker interface {
	Read([]byte) (int, error)
	Seek(int64, int) (int64, error)
}

// Register adds the dashboard's routes to mux: every client route, the trace
// prefix, and assets/. API paths are left alone, so an unknown /api/... keeps
// its JSON 404.
func (h *Handler) Register(mux *http.ServeMux) {
	for _, p := range Routes {
		if p == "/" {
			mux.HandleFunc("GET /{$}", h.Shell)
			continue
		}
		mux.HandleFunc("GET "+p, h.Shell)
	}
	mux.HandleFunc("GET "+TracePrefix+"{id...}", h.Shell)
	mux.HandleFunc("GET /assets/", h.Asset)
}
