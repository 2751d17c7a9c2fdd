package store

import (
	"strings"
	"testing"
	"testing/fstest"
)

func TestMigrations(t *testing.T) {
	ms, err := Migrations(fstest.MapFS{
		"m/0002_b.sql": {Data: []byte("B")},
		"m/0001_a.sql": {Data: []byte("A")},
		"m/README.md":  {Data: []byte("not a step")},
	}, "m")
	if err != nil || len(ms) != 2 || ms[0].Version != 1 || ms[0].SQL != "A" || ms[1].Name != "0002_b.sql" {
		t.Fatalf("Migrations = %+v, %v", ms, err)
	}
	for name, files := range map[string]fstest.MapFS{
		"no number": {"m/init.sql": {}},
		"zero":      {"m/0000_x.sql": {}},
		"twice":     {"m/0001_a.sql": {}, "m/1_b.sql": {}},
	} {
		if _, err := Migrations(files, "m"); err == nil || !strings.Contains(err.Error(), "migration") {
			t.Errorf("%s: err %v", name, err)
		}
	}
}
