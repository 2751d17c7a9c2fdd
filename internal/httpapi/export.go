package httpapi

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"
)

// exportWriteWindow is how long one page of an export may take to reach the
// client. The server's WriteTimeout bounds a whole answer, which a large
// export outlasts, so the export moves its deadline on after every page.
const exportWriteWindow = 60 * time.Second

// Trailers of an export: what was written and whether the limit cut it.
// They come after the body because a stream does not know its length
// before it ends.
const (
	trailerRows      = "X-Export-Rows"
	trailerTruncated = "X-Export-Truncated"
)

// events answers /email/events: a page of the search, or, with
// format=csv|ndjson, the whole result as a download, as /email/events/export.
func (a *api) events() http.Handler {
	page, export := a.read(a.searchEvents), a.handle(a.exportEvents)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Has("format") {
			export.ServeHTTP(w, r)
			return
		}
		page.ServeHTTP(w, r)
	})
}

// exportEvents streams the events matching the search filters as CSV or
// NDJSON. Parameters are checked before the first byte, so a bad one gets
// the usual 400; a failure in mid-stream aborts the connection, so that the
// client sees a broken download rather than a short one that looks whole.
func (a *api) exportEvents(w http.ResponseWriter, r *http.Request) error {
	if err := a.authRead(r); err != nil {
		return err
	}
	exp, err := a.Query.NewExport(r.URL.Query())
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", exp.ContentType())
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": exp.Filename()}))
	h.Set("Cache-Control", "no-store")
	h.Set("Trailer", trailerRows+", "+trailerTruncated)

	rc := http.NewResponseController(w)
	extend := func() error {
		err := rc.SetWriteDeadline(time.Now().Add(exportWriteWindow))
		if errors.Is(err, http.ErrNotSupported) {
			return nil
		}
		return err
	}
	if err := extend(); err != nil {
		return err
	}
	cw := &countingWriter{w: w}
	st, err := exp.WriteTo(r.Context(), cw, func() error {
		if err := rc.Flush(); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return err
		}
		return extend()
	})
	if err != nil {
		if cw.n == 0 {
			// Nothing sent yet: an ordinary error answer is still possible.
			for _, k := range []string{"Content-Type", "Content-Disposition", "Trailer"} {
				h.Del(k)
			}
			return err
		}
		if !errors.Is(err, context.Canceled) {
			a.Log.Error("http: export stopped", "path", r.URL.Path, "rows", st.Rows, "err", err)
		}
		panic(http.ErrAbortHandler)
	}
	h.Set(trailerRows, strconv.FormatInt(st.Rows, 10))
	h.Set(trailerTruncated, strconv.FormatBool(st.Truncated))
	return nil
}

// countingWriter counts the bytes that reached the client's connection.
type countingWriter struct {
	w http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
