package httpapi

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// The dashboard shares the mux with the API: client routes get the app
// shell, while an unknown /api/... path keeps the API's JSON 404.
func TestDashboardRoutes(t *testing.T) {
	h := New(Deps{Ingest: http.NotFoundHandler(), Metrics: http.NotFoundHandler(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	tests := []struct {
		path    string
		status  int
		ctype   string
		bodyHas string
	}{
		{"/", 200, "text/html", `<div id="root">`},
		{"/login", 200, "text/html", `<div id="root">`},
		{"/email-flow", 200, "text/html", `<div id="root">`},
		{"/email-flow/performance", 200, "text/html", `<div id="root">`},
		{"/email-flow/queue", 200, "text/html", `<div id="root">`},
		{"/bounces", 200, "text/html", `<div id="root">`},
		{"/logs", 200, "text/html", `<div id="root">`},
		{"/logs/trace/abc-123", 200, "text/html", `<div id="root">`},
		{"/admin", 200, "text/html", `<div id="root">`},
		{"/api/v1/nope", 404, "application/json", `"code":"not_found"`},
		{"/api/v1/email/nope", 404, "application/json", `"code":"not_found"`},
		{"/no-such-page", 404, "application/json", `"code":"not_found"`},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", tc.path, nil))
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tc.ctype) {
				t.Errorf("Content-Type %q, want %s", ct, tc.ctype)
			}
			if !strings.Contains(rec.Body.String(), tc.bodyHas) {
				t.Errorf("body lacks %q: %.200s", tc.bodyHas, rec.Body)
			}
			if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("security headers missing")
			}
		})
	}
}
