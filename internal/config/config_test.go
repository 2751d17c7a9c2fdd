package config

import (
	"flag"
	"io"
	"testing"
	"time"
)

func TestParseEnvAndFlags(t *testing.T) {
	env := map[string]string{
		"TINOMAIL_DATA_DIR":   "/from/env",
		"TINOMAIL_LISTEN":     "0.0.0.0:9000",
		"TINOMAIL_BATCH_WAIT": "75ms",
		"TINOMAIL_MAX_BODY":   "2MB",
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "./data", "")
	listen := fs.String("listen", "127.0.0.1:8080", "")
	wait := fs.Duration("batch-wait", 50*time.Millisecond, "")
	var body Bytes = 10 << 20
	fs.Var(&body, "max-body", "")
	if err := Parse(fs, []string{"--listen", "127.0.0.1:1"}, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if *dataDir != "/from/env" || *listen != "127.0.0.1:1" || *wait != 75*time.Millisecond || body != 2<<20 {
		t.Fatalf("got data-dir=%q listen=%q wait=%v body=%d", *dataDir, *listen, *wait, body)
	}
}

func TestParseBadEnvNamesVariable(t *testing.T) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Duration("batch-wait", time.Second, "")
	err := Parse(fs, nil, func(k string) string {
		if k == "TINOMAIL_BATCH_WAIT" {
			return "soon"
		}
		return ""
	})
	if err == nil || err.Error() != `invalid value "soon" for TINOMAIL_BATCH_WAIT: parse error` {
		t.Fatalf("err = %v", err)
	}
}

func TestBytes(t *testing.T) {
	for in, want := range map[string]int64{"1048576": 1 << 20, "10MB": 10 << 20, "512kb": 512 << 10, "1G": 1 << 30, "7B": 7} {
		var b Bytes
		if err := b.Set(in); err != nil || int64(b) != want {
			t.Errorf("Set(%q) = %d, %v; want %d", in, b, err, want)
		}
	}
	for _, in := range []string{"", "ten", "-1MB", "1TB"} {
		var b Bytes
		if err := b.Set(in); err == nil {
			t.Errorf("Set(%q) accepted", in)
		}
	}
	if s := FormatBytes(10 << 20); s != "10MB" {
		t.Errorf("FormatBytes = %q", s)
	}
}

func TestAge(t *testing.T) {
	for in, want := range map[string]time.Duration{"30d": 30 * 24 * time.Hour, "12h": 12 * time.Hour, "0": 0, "90m": 90 * time.Minute} {
		var a Age
		if err := a.Set(in); err != nil || a.D != want || !a.Given {
			t.Errorf("Set(%q) = %v %v, %v", in, a.D, a.Given, err)
		}
	}
	for _, in := range []string{"", "-1d", "xd", "soon", "-5h"} {
		var a Age
		if err := a.Set(in); err == nil {
			t.Errorf("Set(%q) accepted", in)
		}
	}
	a := Age{D: 400 * 24 * time.Hour}
	if a.String() != "400d" {
		t.Errorf("String = %q", a.String())
	}
}
