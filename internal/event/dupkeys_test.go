package event

import (
	"strings"
	"testing"
	"time"
)

func TestDuplicateKey(t *testing.T) {
	for obj, want := range map[string]string{
		`{"a":1,"b":2}`:                          "",
		`{"a":1,"a":2}`:                          "a",
		`{"eventType":"x","EventType":"y"}`:      "EventType",
		`{"a":{"b":1,"b":2},"c":[{"a":1}]}`:      "", // nested names are not the event's
		`{"a":"\"a\":1","b":{"a":2}}`:            "",
		`{"time":1,"ti\u006de":2}`:               "time",
		`{ "x" : [1,{"x":2}] , "y":"x" , "x":3}`: "x",
		`{}`:                                     "",
	} {
		if got := duplicateKey([]byte(obj)); got != want {
			t.Errorf("duplicateKey(%s) = %q, want %q", obj, got, want)
		}
	}
}

func TestParseRefusesDuplicateKeys(t *testing.T) {
	_, errs := Parse([]byte(`{"time":"2026-11-26T10:00:00Z","eventType":"delivered","eventType":"bounced"}`), time.Now())
	if len(errs) != 1 || errs[0].Field != "eventType" || !strings.Contains(errs[0].Message, "more than once") {
		t.Fatalf("errors %+v", errs)
	}
}

func BenchmarkDuplicateKey(b *testing.B) {
	obj := []byte(`{"time":"2026-11-26T10:00:00.000Z","eventType":"delivered","messageId":"<abc@example.com>","queueId":"18c5a1b2c3d.001","fromAddress":"news@shop.example","toAddress":"bob@gmail.com","mtaNode":"mta-1","sendingIp":"192.0.2.10","mxHost":"gmail-smtp-in.l.google.com","statusCode":250,"statusMessage":"250 2.0.0 OK","deliveryTimeMs":812,"queueTimeMs":20,"totalTimeMs":832,"messageSize":48213}`)
	for b.Loop() {
		if duplicateKey(obj) != "" {
			b.Fatal("duplicate")
		}
	}
}

func TestParseRefusesInvalidUTF8(t *testing.T) {
	_, errs := Parse([]byte("{\"time\":\"2026-11-26T10:00:00Z\",\"eventType\":\"delivered\",\"statusMessage\":\"caf\xe9\"}"), time.Now())
	if len(errs) != 1 || !strings.Contains(errs[0].Message, "UTF-8") {
		t.Fatalf("errors %+v", errs)
	}
}
