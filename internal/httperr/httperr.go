// Package httperr is the one place that turns errors into JSON HTTP answers:
// {"error":{"code":"…","message":"…"}}, with Retry-After where it applies.
// Handlers in every package return *Error values or sentinels mapped here.
package httperr

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"time"
)

// Error is an error with the HTTP answer it deserves.
type Error struct {
	Status     int
	Code       string // stable, machine-readable
	Message    string // for people
	RetryAfter time.Duration
	Extra      map[string]any // more top-level fields of the answer
	Err        error          // cause, for errors.Is and the log
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error.
func New(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Mapper turns an error of some other package into an *Error, or returns nil.
type Mapper func(error) *Error

// Write answers with err. Errors that are not *Error and that no mapper
// recognises are logged once and answered 500 without details.
func Write(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, mappers ...Mapper) {
	var he *Error
	if !errors.As(err, &he) {
		for _, m := range mappers {
			if he = m(err); he != nil {
				break
			}
		}
	}
	if he == nil {
		log.Error("http: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		he = &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal server error"}
	}
	if he.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(he.RetryAfter.Seconds()))))
	}
	body := map[string]any{"error": map[string]string{"code": he.Code, "message": he.Message}}
	for k, v := range he.Extra {
		body[k] = v
	}
	JSON(w, he.Status, body)
}

// JSON writes v as the JSON body of an answer.
func JSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
