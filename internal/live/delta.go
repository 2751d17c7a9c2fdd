// Package live pushes email-flow counters to dashboards over Server-Sent
// Events. Writers publish what each committed batch added; every node's hub
// receives it over NATS, so a browser connected to any node sees the whole
// fleet's traffic.
package live

import "github.com/tinomail/tinomail/internal/event"

// Delta counts events per direction and event type.
type Delta map[event.Direction]map[event.Type]int64

// Count returns the delta that events add.
func Count(events []event.Event) Delta {
	d := Delta{}
	for i := range events {
		d.add(events[i].Direction, events[i].EventType, 1)
	}
	return d
}

func (d Delta) add(dir event.Direction, t event.Type, n int64) {
	m := d[dir]
	if m == nil {
		m = map[event.Type]int64{}
		d[dir] = m
	}
	m[t] += n
}

// Merge adds o into d.
func (d Delta) Merge(o Delta) {
	for dir, m := range o {
		for t, n := range m {
			d.add(dir, t, n)
		}
	}
}

// Total is the number of events in d.
func (d Delta) Total() int64 {
	var n int64
	for _, m := range d {
		for _, c := range m {
			n += c
		}
	}
	return n
}
