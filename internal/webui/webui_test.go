package webui

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func testHandler(t *testing.T) http.Handler {
	t.Helper()
	h, err := NewFS(fstest.MapFS{
		"index.html":          {Data: []byte("<!doctype html><title>shell</title>")},
		"assets/app-abc12.js": {Data: []byte(strings.Repeat("console.log('tinomail');\n", 100))},
		"assets/logo-ff.png":  {Data: []byte("\x89PNG")},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	return mux
}

func TestRoutes(t *testing.T) {
	mux := testHandler(t)
	tests := []struct {
		name, path, acceptEncoding string
		status                     int
		cacheControl, bodyHas      string
		gzipped                    bool
	}{
		{name: "root", path: "/", status: 200, cacheControl: "no-cache", bodyHas: "shell"},
		{name: "login", path: "/login", status: 200, cacheControl: "no-cache", bodyHas: "shell"},
		{name: "email flow", path: "/email-flow", status: 200, cacheControl: "no-cache", bodyHas: "shell"},
		{name: "performance", path: "/email-flow/performance", status: 200, cacheControl: "no-cache", bodyHas: "shell"},
		{name: "queue", path: "/email-flow/queue", status: 200, cacheControl: "no-cache", bodyHas: "shell"},
		{name: "bounces", path: "/bounces", status: 200, cacheControl: "no-cache", bodyHas: "shell"},
		{name: "logs", path: "/logs", status: 200, cacheControl: "no-cache", bodyHas: "shell"},
		{name: "trace", path: "/logs/trace/%3Cabc%40example.com%3E", status: 200, cacheControl: "no-cache", bodyHas: "shell"},
		{name: "admin", path: "/admin", status: 200, cacheControl: "no-cache", bodyHas: "shell"},
		{name: "asset", path: "/assets/app-abc12.js", status: 200, cacheControl: "public, max-age=31536000, immutable", bodyHas: "tinomail"},
		{name: "asset gzip", path: "/assets/app-abc12.js", acceptEncoding: "br, gzip", status: 200, cacheControl: "public, max-age=31536000, immutable", bodyHas: "tinomail", gzipped: true},
		{name: "png not gzipped", path: "/assets/logo-ff.png", acceptEncoding: "gzip", status: 200, cacheControl: "public, max-age=31536000, immutable", bodyHas: "PNG"},
		{name: "missing asset", path: "/assets/nope.js", status: 404},
		{name: "asset dir", path: "/assets/", status: 404},
		{name: "unknown page", path: "/nope", status: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", tc.path, nil)
			if tc.acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", tc.acceptEncoding)
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d", rec.Code, tc.status)
			}
			if tc.status != 200 {
				return
			}
			if got := rec.Header().Get("Cache-Control"); got != tc.cacheControl {
				t.Errorf("Cache-Control %q, want %q", got, tc.cacheControl)
			}
			body := rec.Body.String()
			if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tc.gzipped {
				t.Fatalf("gzipped %v, want %v", got, tc.gzipped)
			}
			if tc.gzipped {
				zr, err := gzip.NewReader(rec.Body)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
				body = string(b)
				if ct := rec.Header().Get("Content-Type"); !strings.Contains(ct, "javascript") {
					t.Errorf("Content-Type %q", ct)
				}
			}
			if !strings.Contains(body, tc.bodyHas) {
				t.Errorf("body %.80q lacks %q", body, tc.bodyHas)
			}
		})
	}
}

func TestIndexRevalidates(t *testing.T) {
	mux := testHandler(t)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/email-flow", nil))
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on index.html")
	}
	req := httptest.NewRequest("GET", "/bounces", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Fatalf("status %d, want 304", rec.Code)
	}
}

// The embedded build is complete: an index.html naming assets that exist.
func TestEmbeddedBuild(t *testing.T) {
	h, err := New()
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	body := rec.Body.String()
	refs := assetRefs(body)
	if len(refs) < 2 {
		t.Fatalf("index.html names %d assets: %s", len(refs), body)
	}
	// Issue 7's budget: the initial load is at most 400 KB gzipped.
	const budget = 400_000
	total := rec.Body.Len() // index.html
	for _, ref := range refs {
		req := httptest.NewRequest("GET", ref, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != 200 || rec.Body.Len() == 0 {
			t.Errorf("%s: status %d, %d bytes", ref, rec.Code, rec.Body.Len())
		}
		total += rec.Body.Len()
	}
	t.Logf("initial load: %d bytes gzipped (index.html + %d assets)", total, len(refs))
	if total > budget {
		t.Errorf("initial load is %d bytes gzipped, over the %d budget", total, budget)
	}
}

// assetRefs returns the /assets/... paths an HTML page names.
func assetRefs(html string) []string {
	var refs []string
	for _, part := range strings.Split(html, `"`) {
		if strings.HasPrefix(part, "/assets/") {
			refs = append(refs, part)
		}
	}
	return refs
}
