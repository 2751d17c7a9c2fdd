package httpapi

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
)

// openAPIDocument is the OpenAPI 3.1 description of every route in
// routes.go. It is written by hand, as the contract people read and review
// in diffs; tests keep it honest: e2e/openapi_test.go checks that its paths
// are exactly the registered routes, that real answers of the running
// binary validate against its schemas, and that its enums and bounds are
// the ones the parsers enforce.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIETag lets clients revalidate the document cheaply; it changes only
// with the binary.
var openAPIETag = func() string {
	sum := sha256.Sum256(openAPIDocument)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// openAPI serves the document to anyone: it describes the API, it holds no data.
func (a *api) openAPI(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("ETag", openAPIETag)
	h.Set("Cache-Control", "no-cache")
	if r.Header.Get("If-None-Match") == openAPIETag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openAPIDocument)
}
