package diskguard

import (
	"errors"
	"strings"
	"testing"
)

func TestGuard(t *testing.T) {
	dir := t.TempDir()
	free, err := freeBytes(dir)
	if err != nil || free == 0 {
		t.Fatalf("free space of %s: %d %v", dir, free, err)
	}
	if err := New(dir, 1, nil).Check(); err != nil {
		t.Fatalf("1 byte wanted, %d free: %v", free, err)
	}
	err = New(dir, free*4, nil).Check()
	if !errors.Is(err, ErrLow) || !strings.Contains(err.Error(), "--min-free-disk") {
		t.Fatalf("four times the free space wanted: %v", err)
	}
	if err := New(dir, 0, nil).Check(); err != nil {
		t.Fatalf("a floor of 0 never objects: %v", err)
	}
	if err := New(dir+"/missing", free*4, nil).Check(); err != nil {
		t.Fatalf("an unreadable file system must not stop ingest: %v", err)
	}
}
