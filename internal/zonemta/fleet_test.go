package zonemta

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/tinomail/tinomail/internal/store"
)

type nodeTable []store.Node

func (t nodeTable) ListNodes(context.Context) ([]store.Node, error) {
	if t == nil {
		return nil, errors.New("database down")
	}
	return t, nil
}

func TestFleet(t *testing.T) {
	f := Fleet{
		Static: []Node{{Name: "mta1", APIURL: "http://10.0.0.1:12080"}},
		Store: nodeTable{
			{Name: "mta1", APIURL: "http://elsewhere:12080"}, // the flag wins
			{Name: "mta2", APIURL: "http://10.0.0.2:12080/"},
			{Name: "haraka", Role: "inbound"}, // no API: not polled
			{Name: "bad name!", APIURL: "http://10.0.0.3:12080"},
			{Name: "mta4", APIURL: "ftp://10.0.0.4"},
		},
	}
	got, err := f.Nodes(context.Background())
	want := []Node{{Name: "mta1", APIURL: "http://10.0.0.1:12080"}, {Name: "mta2", APIURL: "http://10.0.0.2:12080"}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Nodes() = %+v, %v; want %+v", got, err, want)
	}
	if _, err := (Fleet{Store: nodeTable(nil)}).Nodes(context.Background()); err == nil {
		t.Fatal("a failing node table must be reported, so the poller keeps its last list")
	}
}
