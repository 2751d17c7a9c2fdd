package query

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

// testNow is a "now" that is on no bucket boundary, so alignment shows.
var testNow = time.Date(2024, 5, 10, 14, 7, 30, 0, time.UTC)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm.UTC()
}

func TestParseWindow(t *testing.T) {
	tests := []struct {
		query    string
		from, to string
		step     string
		buckets  int
	}{
		// The default is the last 24h at 1h, aligned outward: 25 buckets.
		{"", "2024-05-09T14:00:00Z", "2024-05-10T15:00:00Z", "1h", 25},
		{"range=1h", "2024-05-10T13:05:00Z", "2024-05-10T14:10:00Z", "5m", 13},
		{"range=6h", "2024-05-10T08:05:00Z", "2024-05-10T14:10:00Z", "5m", 73},
		{"range=24h", "2024-05-09T14:00:00Z", "2024-05-10T15:00:00Z", "1h", 25},
		{"range=7d", "2024-05-03T14:00:00Z", "2024-05-10T15:00:00Z", "1h", 169},
		{"range=30d", "2024-04-10T00:00:00Z", "2024-05-11T00:00:00Z", "1d", 31},
		{"range=30d&step=1h", "2024-04-10T14:00:00Z", "2024-05-10T15:00:00Z", "1h", 721},
		{"range=1h&step=1d", "2024-05-10T00:00:00Z", "2024-05-11T00:00:00Z", "1d", 1},
		{"range=1h&to=2024-05-01T00:00:00Z", "2024-04-30T23:00:00Z", "2024-05-01T00:00:00Z", "5m", 12},
		// Exactly 12h is still fine-grained; a second more is not.
		{"from=2024-05-01T00:00:00Z&to=2024-05-01T12:00:00Z", "2024-05-01T00:00:00Z", "2024-05-01T12:00:00Z", "5m", 144},
		{"from=2024-05-01T00:00:00Z&to=2024-05-01T12:00:01Z", "2024-05-01T00:00:00Z", "2024-05-01T13:00:00Z", "1h", 13},
		{"from=2024-05-01T00:00:00Z&to=2024-05-08T00:00:00Z", "2024-05-01T00:00:00Z", "2024-05-08T00:00:00Z", "1h", 168},
		{"from=2024-05-01T00:00:00Z&to=2024-05-08T00:00:01Z", "2024-05-01T00:00:00Z", "2024-05-09T00:00:00Z", "1d", 8},
		// to defaults to now; offsets are converted to UTC.
		{"from=2024-05-10T12:00:00Z", "2024-05-10T12:00:00Z", "2024-05-10T14:10:00Z", "5m", 26},
		{"from=2024-05-10T14:00:00%2B02:00&to=2024-05-10T15:00:00%2B02:00", "2024-05-10T12:00:00Z", "2024-05-10T13:00:00Z", "5m", 12},
		// An unescaped + arrives as a space and still means +.
		{"from=2024-05-10T14:00:00+02:00&to=2024-05-10T15:00:00+02:00", "2024-05-10T12:00:00Z", "2024-05-10T13:00:00Z", "5m", 12},
		{"from=2024-05-10T12:00:00.5Z&to=2024-05-10T12:04:59.9Z", "2024-05-10T12:00:00Z", "2024-05-10T12:05:00Z", "5m", 1},
		// The longest span at the coarsest step.
		{"from=2023-04-06T00:00:00Z&to=2024-05-10T00:00:00Z", "2023-04-06T00:00:00Z", "2024-05-10T00:00:00Z", "1d", 400},
		// Empty values count as absent; unknown parameters are ignored.
		{"range=&step=&from=&to=&color=blue", "2024-05-09T14:00:00Z", "2024-05-10T15:00:00Z", "1h", 25},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			w, err := ParseWindow(v, testNow)
			if err != nil {
				t.Fatalf("ParseWindow: %v", err)
			}
			if !w.From.Equal(mustTime(t, tt.from)) || !w.To.Equal(mustTime(t, tt.to)) {
				t.Errorf("window = [%s, %s), want [%s, %s)", w.From.Format(time.RFC3339), w.To.Format(time.RFC3339), tt.from, tt.to)
			}
			if w.StepName() != tt.step {
				t.Errorf("step = %s, want %s", w.StepName(), tt.step)
			}
			if b := w.Buckets(); len(b) != tt.buckets || w.Len() != tt.buckets {
				t.Errorf("%d buckets (Len %d), want %d", len(b), w.Len(), tt.buckets)
			}
			if w.From.Location() != time.UTC || w.To.Location() != time.UTC {
				t.Errorf("window not in UTC: %v %v", w.From.Location(), w.To.Location())
			}
		})
	}
}

func TestParseWindowErrors(t *testing.T) {
	tests := []struct {
		query, param, contains string
	}{
		{"range=2h", "range", "must be one of 1h, 6h, 24h, 7d, 30d"},
		{"range=24H", "range", "must be one of 1h, 6h, 24h, 7d, 30d"},
		{"range=1h&range=6h", "range", "at most once"},
		{"range=1h&from=2024-05-10T00:00:00Z", "range", `cannot be combined with "from"`},
		{"from=yesterday", "from", "must be an RFC 3339 time"},
		{"from=2024-05-10", "from", "must be an RFC 3339 time"},
		{"from=2024-05-10T00:00:00", "from", "must be an RFC 3339 time"},
		{"from=2024-05-10T00:00:00Z&to=tomorrow", "to", "must be an RFC 3339 time"},
		{"to=2024-13-01T00:00:00Z", "to", "must be an RFC 3339 time"},
		{"from=2024-05-10T00:00:00Z&to=2024-05-10T00:00:00Z", "from", `must be before "to"`},
		{"from=2024-05-10T01:00:00Z&to=2024-05-10T00:00:00Z", "from", `must be before "to"`},
		{"from=2024-06-01T00:00:00Z", "from", `must be before "to" (2024-05-10T14:07:30Z)`},
		{"from=2023-04-05T23:59:59Z&to=2024-05-10T00:00:00Z", "from", "at most 400 days"},
		{"to=0000-01-01T00:00:00Z", "to", "must be between 1970-01-01 and 9999-01-01"},
		{"from=9999-12-01T00:00:00Z&to=9999-12-31T23:59:59Z", "to", "must be between 1970-01-01 and 9999-01-01"},
		{"from=1969-12-31T23:59:59Z&to=1970-01-02T00:00:00Z", "from", "must be between"},
		{"step=10m", "step", "must be one of 5m, 1h, 1d"},
		{"step=1h&step=1d", "step", "at most once"},
		{"range=30d&step=5m", "step", "5m over this range gives 8641 buckets, more than 2000"},
		{"from=2024-01-01T00:00:00Z&to=2024-05-01T00:00:00Z&step=1h", "step", "1h over this range gives 2904 buckets"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			_, err = ParseWindow(v, testNow)
			checkParamError(t, err, tt.param, tt.contains)
		})
	}
}

// checkParamError asserts that err is a *ParamError for param whose message
// contains want.
func checkParamError(t *testing.T, err error, param, want string) {
	t.Helper()
	var pe *ParamError
	if !errors.As(err, &pe) {
		t.Fatalf("error = %v (%T), want a *ParamError", err, err)
	}
	if pe.Param != param {
		t.Errorf("Param = %q, want %q (message %q)", pe.Param, param, pe.Message)
	}
	if !strings.Contains(pe.Error(), want) {
		t.Errorf("Error() = %q, want it to contain %q", pe.Error(), want)
	}
	if !strings.HasPrefix(pe.Error(), `invalid "`+param+`": `) {
		t.Errorf("Error() = %q, want the prefix invalid %q: ", pe.Error(), param)
	}
}

func TestParamErrorMessage(t *testing.T) {
	_, err := ParseWindow(url.Values{"range": {"2h"}}, testNow)
	want := `invalid "range": must be one of 1h, 6h, 24h, 7d, 30d`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

// FuzzParseWindow checks that any query either fails with a ParamError or
// yields an aligned, non-empty window of at most MaxBuckets buckets.
func FuzzParseWindow(f *testing.F) {
	for _, q := range []string{
		"", "range=7d", "range=30d&step=5m", "from=2024-05-01T00:00:00Z&to=2024-05-02T00:00:00Z&step=1d",
		"from=2024-05-10T14:00:00+02:00", "to=1970-01-01T00:00:00Z&range=1h", "range=1h&range=1h",
	} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		v, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		w, err := ParseWindow(v, testNow)
		if err != nil {
			var pe *ParamError
			if !errors.As(err, &pe) {
				t.Fatalf("%q: error %v is not a ParamError", q, err)
			}
			return
		}
		if n := w.Len(); n < 1 || n > MaxBuckets || !w.From.Add(time.Duration(n)*w.Step).Equal(w.To) {
			t.Fatalf("%q: window %v..%v step %v has %d buckets", q, w.From, w.To, w.Step, n)
		}
		if !floor(w.From, w.Step).Equal(w.From) {
			t.Fatalf("%q: from %v not aligned to %v", q, w.From, w.Step)
		}
		if _, err := w.From.MarshalJSON(); err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if _, err := w.To.MarshalJSON(); err != nil {
			t.Fatalf("%q: %v", q, err)
		}
	})
}
