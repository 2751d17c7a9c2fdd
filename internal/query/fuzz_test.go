package query

import (
	"context"
	"errors"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/tinomail/tinomail/internal/store/sqlite"
)

// FuzzQueryParams feeds every endpoint's parameter parsing with arbitrary
// query strings, over a real (empty) SQLite store. Each answer must be a
// result or a *ParamError, which the API turns into a 400: any other error
// would be a 500 caused by the client's input. Seeds: testdata/fuzz.
func FuzzQueryParams(f *testing.F) {
	for _, s := range []string{
		"range=1h", "range=7d&by=mta_node&step=1h", "from=2026-11-26T00:00:00Z&to=2026-11-27T00:00:00Z",
		"range=24h&node=mta-1&sort=p95&order=asc&limit=10&offset=20", "eventType=bounced,deferred&direction=outbound",
		"format=csv&text=%27%3B%20DROP%20TABLE%20email_events%3B--", "cursor=eyJ0IjoxLCJpIjoyfQ&limit=1000",
		"range=-1h", "step=0s", "limit=99999999999999999999", "from=2026-13-45", "by=nonsense", "range=1h&range=2h",
	} {
		f.Add(s)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(f.TempDir(), "tinomail.db"))
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	svc := &Service{Store: db, Now: func() time.Time { return testNow }}
	ctx := context.Background()
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return // net/http answers 400 before any handler runs
		}
		check := func(name string, err error) {
			var pe *ParamError
			if err != nil && !errors.As(err, &pe) {
				t.Fatalf("%s(%q): %v is not a parameter error", name, raw, err)
			}
		}
		_, err = svc.Throughput(ctx, v)
		check("Throughput", err)
		_, err = svc.Stats(ctx, v)
		check("Stats", err)
		_, err = svc.BounceAnalysis(ctx, v)
		check("BounceAnalysis", err)
		_, err = svc.DeliveryTime(ctx, v)
		check("DeliveryTime", err)
		_, err = svc.MessageSize(ctx, v)
		check("MessageSize", err)
		_, err = svc.Inbound(ctx, v)
		check("Inbound", err)
		_, err = svc.Search(ctx, v)
		check("Search", err)
		_, err = svc.NewExport(v)
		check("NewExport", err)
		if _, err = svc.Trace(ctx, v.Get("id")); err != nil && !errors.Is(err, ErrNotFound) {
			check("Trace", err)
		}
	})
}
