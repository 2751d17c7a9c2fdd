// Package zonemtatest is a fake ZoneMTA HTTP API for tests: it serves a
// queue held in memory with the shapes ZoneMTA's API server answers, and
// can be told to be slow, to fail or to answer malformed JSON.
package zonemtatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Delivery is one recipient of one queued message.
type Delivery struct {
	ID        string // message queue id
	Seq       string // "001", "002"… as ZoneMTA numbers recipients
	Zone      string
	Recipient string
	Created   time.Time
	// Deferred is set for a delivery that failed and waits for Next.
	Deferred *Deferral
}

// Deferral is ZoneMTA's _deferred record.
type Deferral struct {
	First, Last, Next time.Time
	Count             int
	Response          string
}

// Fault changes the answers to paths that start with Prefix ("" for all).
type Fault struct {
	Prefix string
	Delay  time.Duration // wait before answering (or until the client gives up)
	Status int           // answer this status instead (0: keep)
	Body   string        // answer this body instead ("": keep)
}

// Server is a running fake. Its methods are safe for concurrent use.
type Server struct {
	*httptest.Server

	mu         sync.Mutex
	zones      []string
	deliveries []Delivery
	faults     []Fault
	requests   []string
}

// New starts a fake with the given zones (as /zones lists them) and
// deliveries; Close stops it.
func New(zones []string, deliveries []Delivery) *Server {
	s := &Server{}
	s.SetQueue(zones, deliveries)
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	return s
}

// SetQueue replaces the zones and deliveries.
func (s *Server) SetQueue(zones []string, deliveries []Delivery) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.zones = slices.Clone(zones)
	s.deliveries = slices.Clone(deliveries)
}

// SetFaults replaces the faults; none makes the fake answer well again.
func (s *Server) SetFaults(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = slices.Clone(faults)
}

// Requests returns the request URIs served so far, in order.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r.URL.RequestURI())
	var fault *Fault
	for i := range s.faults {
		if strings.HasPrefix(r.URL.Path, s.faults[i].Prefix) {
			fault = &s.faults[i]
			break
		}
	}
	var f Fault
	if fault != nil {
		f = *fault
	}
	s.mu.Unlock()
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return
		}
	}
	if f.Status != 0 || f.Body != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(cmpOr(f.Status, http.StatusOK))
		fmt.Fprint(w, f.Body)
		return
	}
	status, body := s.answer(r)
	if text, ok := body.(string); ok {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		w.WriteHeader(status)
		fmt.Fprint(w, text)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// answer builds ZoneMTA's answer to r, as lib/api-server.js does.
func (s *Server) answer(r *http.Request) (int, any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	now := time.Now()
	switch {
	case len(parts) == 1 && parts[0] == "zones":
		zones := make([]map[string]string, len(s.zones))
		for i, z := range s.zones {
			zones[i] = map[string]string{"name": z}
		}
		return http.StatusOK, zones
	case len(parts) == 3 && parts[0] == "counter" && parts[1] == "zone":
		active, deferred := s.count(parts[2], now)
		rows := func(n int) map[string]any {
			return map[string]any{"entries": []map[string]any{{"key": parts[2], "value": n}}, "rows": n}
		}
		return http.StatusOK, map[string]any{"zone": "all", "active": rows(active), "deferred": rows(deferred)}
	case len(parts) == 3 && parts[0] == "queued":
		return s.queued(parts[1], parts[2], r, now)
	case len(parts) == 2 && parts[0] == "message":
		return s.message(parts[1], now)
	case len(parts) == 1 && parts[0] == "metrics":
		var active, deferred int
		for _, z := range s.zones {
			a, d := s.count(z, now)
			active, deferred = active+a, deferred+d
		}
		return http.StatusOK, fmt.Sprintf("# HELP zonemta_queue_size Current size of the queue\n# TYPE zonemta_queue_size gauge\n"+
			"zonemta_queue_size{type=\"queued\"} %d\nzonemta_queue_size{type=\"deferred\"} %d\n", active, deferred)
	}
	return http.StatusNotFound, map[string]string{"code": "ResourceNotFound", "message": r.URL.Path + " does not exist"}
}

func isDeferred(d Delivery, now time.Time) bool {
	return d.Deferred != nil && d.Deferred.Next.After(now)
}

func (s *Server) count(zone string, now time.Time) (active, deferred int) {
	for _, d := range s.deliveries {
		switch {
		case d.Zone != zone:
		case isDeferred(d, now):
			deferred++
		default:
			active++
		}
	}
	return active, deferred
}

// queued lists deliveries of a zone oldest first. It insists on the query
// the poller is meant to send, so a test notices when it does not.
func (s *Server) queued(typ, zone string, r *http.Request, now time.Time) (int, any) {
	q := r.URL.Query()
	size, err := strconv.Atoi(q.Get("pageSize"))
	if q.Get("sort") != "created" || q.Get("order") != "asc" || err != nil || size < 1 {
		return http.StatusBadRequest, map[string]string{"error": "want sort=created&order=asc&pageSize=N"}
	}
	var list []map[string]any
	for _, d := range s.sorted() {
		if d.Zone != zone || isDeferred(d, now) != (typ == "deferred") {
			continue
		}
		e := map[string]any{"id": d.ID, "seq": d.Seq, "zone": d.Zone, "recipient": d.Recipient,
			"created": jsDate(d.Created), "queued": jsDate(d.Created)}
		if d.Deferred != nil {
			e["queued"] = jsDate(d.Deferred.Next)
			e["deferred"] = deferral(d.Deferred)
		}
		list = append(list, e)
		if len(list) == size {
			break
		}
	}
	if list == nil {
		list = []map[string]any{}
	}
	return http.StatusOK, map[string]any{"zone": zone, "type": typ, "list": list}
}

func (s *Server) message(id string, now time.Time) (int, any) {
	var msgs []map[string]any
	for _, d := range s.deliveries {
		if d.ID != id {
			continue
		}
		m := map[string]any{"id": d.ID, "seq": d.Seq, "zone": d.Zone, "recipient": d.Recipient, "status": "QUEUED", "lock": nil}
		if isDeferred(d, now) {
			m["status"], m["deferred"] = "DEFERRED", deferral(d.Deferred)
		}
		msgs = append(msgs, m)
	}
	if msgs == nil {
		return http.StatusNotFound, map[string]string{"error": "Selected message does not exist"}
	}
	return http.StatusOK, map[string]any{"meta": map[string]any{"from": "sender@example.com"}, "messages": msgs}
}

func (s *Server) sorted() []Delivery {
	ds := slices.Clone(s.deliveries)
	slices.SortStableFunc(ds, func(a, b Delivery) int { return a.Created.Compare(b.Created) })
	return ds
}

// jsDate is a time as JSON.stringify writes a JavaScript Date.
func jsDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// deferral is a _deferred record: Date.now() numbers, as ZoneMTA stores them.
func deferral(d *Deferral) map[string]any {
	return map[string]any{"first": d.First.UnixMilli(), "last": d.Last.UnixMilli(), "next": d.Next.UnixMilli(),
		"count": d.Count, "response": d.Response}
}
