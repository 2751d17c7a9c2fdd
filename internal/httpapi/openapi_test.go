package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"
)

// TestOpenAPIServed checks that the embedded document is served to anyone
// as JSON, whole, and revalidates with its ETag. e2e/openapi_test.go checks
// what it says.
func TestOpenAPIServed(t *testing.T) {
	base, _, _ := testAPI(t)
	resp, body := get(t, base+"/api/v1/openapi.json", "")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if !bytes.Equal([]byte(body), openAPIDocument) {
		t.Error("the answer is not the embedded document")
	}
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if doc.OpenAPI != "3.1.0" || doc.Paths["/api/v1/openapi.json"]["get"] == nil {
		t.Errorf("openapi %q, paths %d: not the document of this API", doc.OpenAPI, len(doc.Paths))
	}
	etag := resp.Header.Get("ETag")
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, base+"/api/v1/openapi.json", nil)
	req.Header.Set("If-None-Match", etag)
	again, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	again.Body.Close()
	if etag == "" || again.StatusCode != http.StatusNotModified {
		t.Errorf("ETag %q, revalidation status %d, want 304", etag, again.StatusCode)
	}
}
