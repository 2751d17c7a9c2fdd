// Package query answers the dashboard's questions from the store's rollups:
// throughput over time, per-key statistics, bounce analysis, delivery times
// and message sizes. Each endpoint is a Service method that takes the
// request's parsed URL query and returns a JSON-ready value, so the HTTP
// layer only routes and encodes.
//
// Every bad parameter is reported as a *ParamError naming the parameter;
// parameters the endpoint does not know are ignored, and a parameter given
// with an empty value counts as absent, so that forms may send every field.
package query

import (
	"fmt"
	"math"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// Service runs queries against a store.
type Service struct {
	Store store.Reader
	// Now returns the current time; nil means time.Now. Tests set it to make
	// the default "last 24 hours" deterministic.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// ParamError reports an invalid request parameter. The HTTP layer answers it
// with 400 and code "invalid_parameter".
type ParamError struct {
	Param   string // the URL query parameter at fault
	Message string // what is wrong and what is accepted
}

func (e *ParamError) Error() string {
	return fmt.Sprintf("invalid %q: %s", e.Param, e.Message)
}

func paramErr(param, format string, args ...any) *ParamError {
	return &ParamError{Param: param, Message: fmt.Sprintf(format, args...)}
}

// Unknown names the empty dimension value: events that did not report the
// field. A breakdown includes them so that it always adds up to the total.
const Unknown = "(unknown)"

func valueName(v string) string {
	if v == "" {
		return Unknown
	}
	return v
}

// round rounds x to the given number of decimals, so that JSON shows 12.5
// rather than 12.499999999999998.
func round(x float64, decimals int) float64 {
	p := math.Pow(10, float64(decimals))
	return math.Round(x*p) / p
}

// ratio returns num/den, and 0 rather than NaN when den is 0.
func ratio(num, den int64) float64 {
	if den == 0 {
		return 0
	}
	return float64(num) / float64(den)
}

// percent returns count as a percentage of total, to 2 decimals.
func percent(count, total int64) float64 {
	return round(ratio(count, total)*100, 2)
}
