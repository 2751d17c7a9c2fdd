package ingest

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/tinomail/tinomail/internal/httperr"
)

// readBody reads the request body, gunzipping it when the client says so.
// The limit applies to the decoded size too, so a small gzip bomb cannot
// make the server inflate gigabytes.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	var src io.Reader = r.Body
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(io.LimitReader(r.Body, limit+1))
		if err != nil {
			return nil, httperr.New(http.StatusBadRequest, "invalid_body", "body is not valid gzip: %v", err)
		}
		defer zr.Close()
		src = zr
	default:
		return nil, httperr.New(http.StatusUnsupportedMediaType, "unsupported_encoding",
			"Content-Encoding %q is not supported; use gzip or none", enc)
	}
	body, err := io.ReadAll(io.LimitReader(src, limit+1))
	if err != nil {
		if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, httperr.New(http.StatusBadRequest, "invalid_body", "body is not valid gzip: %v", err)
		}
		return nil, fmt.Errorf("ingest: read body: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, httperr.New(http.StatusRequestEntityTooLarge, "body_too_large",
			"request body is larger than %d bytes", limit)
	}
	return body, nil
}
