package event

import (
	"strings"
	"testing"
	"time"
)

var testNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func TestParseValid(t *testing.T) {
	// What the existing TinoMail ZoneMTA plugin sends: camelCase, ISO time,
	// queueId string, optional fields omitted.
	raw := `{"time":"2026-11-26T10:15:30.123Z","eventType":"delivered","messageId":"<a1@shop.example>",
		"queueId":"18d3f0a1b2c000abcd","fromAddress":"News@Shop.Example","toAddress":"Bob@GMAIL.com",
		"mtaNode":"mta-01","sendingIp":"192.0.2.10","mxHost":"gmail-smtp-in.l.google.com.",
		"statusCode":250,"statusMessage":"250 2.0.0 OK","deliveryTimeMs":812,"messageSize":30211}`
	e, errs := Parse([]byte(raw), testNow)
	if errs != nil {
		t.Fatalf("errors: %v", errs)
	}
	want := time.Date(2026, 11, 26, 10, 15, 30, 123e6, time.UTC)
	if !e.Time.Equal(want) || e.EventType != Delivered || e.Direction != Outbound {
		t.Fatalf("time/type/direction = %v %v %v", e.Time, e.EventType, e.Direction)
	}
	if e.FromUser != "News" || e.FromDomain != "shop.example" || e.ToDomain != "gmail.com" {
		t.Fatalf("derived = %q %q %q", e.FromUser, e.FromDomain, e.ToDomain)
	}
	if e.MXHost != "gmail-smtp-in.l.google.com" || e.StatusCode != 250 || *e.DeliveryTimeMs != 812 || *e.MessageSize != 30211 {
		t.Fatalf("fields = %+v", e)
	}
	if e.QueueTimeMs != nil || e.SpamScore != nil {
		t.Fatal("absent optional numbers must stay nil")
	}
}

func TestParseFieldErrors(t *testing.T) {
	cases := []struct {
		name, raw, field, msg string
	}{
		{"not an object", `[1]`, "", "event must be a JSON object"},
		{"null", `null`, "", "event must be a JSON object"},
		{"missing time", `{"eventType":"sent"}`, "time", "is required"},
		{"bad time", `{"time":"yesterday","eventType":"sent"}`, "time", "must be an RFC 3339 timestamp"},
		{"future time", `{"time":"2026-11-28T12:00:00Z","eventType":"sent"}`, "time", "is more than 24h in the future"},
		{"ancient time", `{"time":"1999-12-31T00:00:00Z","eventType":"sent"}`, "time", "is before the year 2000"},
		{"time wrong type", `{"time":true,"eventType":"sent"}`, "time", "must be a string"},
		{"missing type", `{"time":"2026-11-26T10:00:00Z"}`, "eventType", "is required"},
		{"bad type", `{"time":"2026-11-26T10:00:00Z","eventType":"opened"}`, "eventType", "must be one of"},
		{"bad direction", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","direction":"up"}`, "direction", "must be one of inbound, outbound"},
		{"status too big", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","statusCode":1000}`, "statusCode", "must be between 0 and 999"},
		{"status negative", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","statusCode":-1}`, "statusCode", "must be between 0 and 999"},
		{"status not int", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","statusCode":"abc"}`, "statusCode", "must be an integer"},
		{"status float", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","statusCode":250.5}`, "statusCode", "must be an integer"},
		{"bad ipv4", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","sendingIp":"300.1.1.1"}`, "sendingIp", "must be an IP address"},
		{"bad ipv6", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","sendingIpV6":"10.0.0.1"}`, "sendingIpV6", "must be an IPv6 address"},
		{"negative delivery", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","deliveryTimeMs":-5}`, "deliveryTimeMs", "must not be negative"},
		{"negative queue", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","queueTimeMs":-5}`, "queueTimeMs", "must not be negative"},
		{"negative total", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","totalTimeMs":-5}`, "totalTimeMs", "must not be negative"},
		{"negative size", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","messageSize":-1}`, "messageSize", "must not be negative"},
		{"size object", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","messageSize":{}}`, "messageSize", "must be an integer"},
		{"bad dkim", `{"time":"2026-11-26T10:00:00Z","eventType":"received","dkimResult":"maybe"}`, "dkimResult", "must be one of pass, fail, none, policy"},
		{"bad spf", `{"time":"2026-11-26T10:00:00Z","eventType":"received","spfResult":"ok"}`, "spfResult", "must be one of pass, fail, softfail, neutral, none"},
		{"bad dmarc", `{"time":"2026-11-26T10:00:00Z","eventType":"received","dmarcResult":"softfail"}`, "dmarcResult", "must be one of pass, fail, none"},
		{"bad spam action", `{"time":"2026-11-26T10:00:00Z","eventType":"received","spamAction":"drop"}`, "spamAction", "must be one of accept, reject, greylist, soft_reject"},
		{"bad spam score", `{"time":"2026-11-26T10:00:00Z","eventType":"received","spamScore":"high"}`, "spamScore", "must be a number"},
		{"string field is object", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","mtaNode":{"a":1}}`, "mtaNode", "must be a string"},
		{"string field is array", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","toAddress":["a@b"]}`, "toAddress", "must be a string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := Parse([]byte(c.raw), testNow)
			if len(errs) == 0 {
				t.Fatal("accepted")
			}
			for _, fe := range errs {
				if fe.Field == c.field && strings.HasPrefix(fe.Message, c.msg) {
					return
				}
			}
			t.Fatalf("errors %v; want %s: %s", errs, c.field, c.msg)
		})
	}
}

func TestParseReportsEveryBadField(t *testing.T) {
	_, errs := Parse([]byte(`{"eventType":"nope","statusCode":5000,"sendingIp":"x"}`), testNow)
	fields := map[string]bool{}
	for _, fe := range errs {
		fields[fe.Field] = true
	}
	for _, f := range []string{"time", "eventType", "statusCode", "sendingIp"} {
		if !fields[f] {
			t.Errorf("no error for %s in %v", f, errs)
		}
	}
}

func TestParseLenientValues(t *testing.T) {
	cases := []struct {
		name, raw string
		check     func(Event) bool
	}{
		{"numeric string status", `{"time":"2026-11-26T10:00:00Z","eventType":"bounced","statusCode":"550"}`,
			func(e Event) bool { return e.StatusCode == 550 }},
		{"integral float size", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","messageSize":1200.0}`,
			func(e Event) bool { return *e.MessageSize == 1200 }},
		{"numeric queueId", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","queueId":12345}`,
			func(e Event) bool { return e.QueueID == "12345" }},
		{"upper-case enums", `{"time":"2026-11-26T10:00:00Z","eventType":"DELIVERED","dkimResult":"Pass"}`,
			func(e Event) bool { return e.EventType == Delivered && e.DKIMResult == "pass" }},
		{"unix millis", `{"time":1795600000000,"eventType":"sent"}`,
			func(e Event) bool { return e.Time.Equal(time.UnixMilli(1795600000000)) }},
		{"unix seconds", `{"time":1795600000,"eventType":"sent"}`,
			func(e Event) bool { return e.Time.Equal(time.Unix(1795600000, 0)) }},
		{"space instead of T", `{"time":"2026-11-26 10:00:00+01:00","eventType":"sent"}`,
			func(e Event) bool { return e.Time.Equal(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)) }},
		{"nulls are absent", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","messageSize":null,"mtaNode":null}`,
			func(e Event) bool { return e.MessageSize == nil && e.MTANode == "" }},
		{"ipv6 in sendingIp moves", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","sendingIp":"2001:db8::1"}`,
			func(e Event) bool { return e.SendingIP == "" && e.SendingIPv6 == "2001:db8::1" }},
		{"mapped ipv4", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","sendingIp":"::ffff:192.0.2.1"}`,
			func(e Event) bool { return e.SendingIP == "192.0.2.1" }},
		{"unknown fields ignored", `{"time":"2026-11-26T10:00:00Z","eventType":"sent","subject":"hi","x":[1,2]}`,
			func(e Event) bool { return e.EventType == Sent }},
		{"zero delivery time kept", `{"time":"2026-11-26T10:00:00Z","eventType":"delivered","deliveryTimeMs":0}`,
			func(e Event) bool { return e.DeliveryTimeMs != nil && *e.DeliveryTimeMs == 0 }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, errs := Parse([]byte(c.raw), testNow)
			if errs != nil {
				t.Fatalf("errors: %v", errs)
			}
			if !c.check(e) {
				t.Fatalf("unexpected event %+v", e)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct {
		name string
		in   Event
		want func(Event) bool
	}{
		{"derive from address", Event{FromAddress: "alice@Example.COM"},
			func(e Event) bool { return e.FromUser == "alice" && e.FromDomain == "example.com" }},
		{"quoted local part with @", Event{FromAddress: `"a@b"@example.org`},
			func(e Event) bool { return e.FromUser == `"a@b"` && e.FromDomain == "example.org" }},
		{"angle brackets", Event{ToAddress: "<Bob@Outlook.com>"},
			func(e Event) bool { return e.ToAddress == "Bob@Outlook.com" && e.ToDomain == "outlook.com" }},
		{"explicit domain kept but lower-cased", Event{FromAddress: "a@x.org", FromDomain: "Brand.EXAMPLE"},
			func(e Event) bool { return e.FromDomain == "brand.example" }},
		{"no @", Event{FromAddress: "MAILER-DAEMON"},
			func(e Event) bool { return e.FromDomain == "" && e.FromUser == "" }},
		{"trailing dot", Event{ToDomain: "gmail.com."}, func(e Event) bool { return e.ToDomain == "gmail.com" }},
		{"received is inbound", Event{EventType: Received}, func(e Event) bool { return e.Direction == Inbound }},
		{"delivered is outbound", Event{EventType: Delivered}, func(e Event) bool { return e.Direction == Outbound }},
		{"deferred is outbound", Event{EventType: Deferred}, func(e Event) bool { return e.Direction == Outbound }},
		{"rejected with verdict is inbound", Event{EventType: Rejected, SpamAction: "reject"},
			func(e Event) bool { return e.Direction == Inbound }},
		{"rejected by remote MX is outbound", Event{EventType: Rejected, MXHost: "mx.example", SPFResult: "pass"},
			func(e Event) bool { return e.Direction == Outbound }},
		{"rejected plain is outbound", Event{EventType: Rejected}, func(e Event) bool { return e.Direction == Outbound }},
		{"explicit direction wins", Event{EventType: Delivered, Direction: Inbound},
			func(e Event) bool { return e.Direction == Inbound }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := c.in
			Normalize(&e)
			if !c.want(e) {
				t.Fatalf("got %+v", e)
			}
			again := e
			Normalize(&again)
			if again != e {
				t.Fatalf("not idempotent: %+v then %+v", e, again)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	long := strings.Repeat("é", 600)
	got := Truncate(long)
	if n := len([]rune(got)); n != MaxTextLen {
		t.Fatalf("len = %d runes", n)
	}
	if Truncate("short") != "short" {
		t.Fatal("short text changed")
	}
	raw := `{"time":"2026-11-26T10:00:00Z","eventType":"bounced","statusMessage":"` + strings.Repeat("x", 2000) + `"}`
	e, errs := Parse([]byte(raw), testNow)
	if errs != nil || len(e.StatusMessage) != MaxTextLen {
		t.Fatalf("long text: %v, len %d", errs, len(e.StatusMessage))
	}
}
