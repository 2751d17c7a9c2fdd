package classify

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTemplateExamples(t *testing.T) {
	cases := []struct {
		text  string
		known []string
		want  string
	}{
		{"550 5.1.1 <bob@x.com>: Recipient address rejected: User unknown", nil,
			"550 5.1.1 <email>: Recipient address rejected: User unknown"},
		{"550-5.1.1 The email account that you tried to reach does not exist. d9443c01a7336-2a1b2c3d4e5sor1234567pla.12 - gsmtp", nil,
			"550 5.1.1 The email account that you tried to reach does not exist. <id> - gsmtp"},
		// Letters-only ids: their shape does not tell, their place does.
		{"421-4.7.0 Try again later, closing connection. (EHLO) zyXkZfywMQWtMePs - gsmtp", nil,
			"421 4.7.0 Try again later, closing connection. (EHLO) <id> - gsmtp"},
		{"451 4.7.650 rate limited (S775) [Name=Protocol Filter Agent][AGT=PFA][MxId=khPcBQAxYwPe] [x]", nil,
			"451 4.7.650 rate limited (S775) [Name=Protocol Filter Agent][AGT=PFA][MxId=<id>] [x]"},
		{"550 see https://support.google.com/mail/?p=OverQuotaPerm for more", nil,
			"550 see https://support.google.com/mail/?p=OverQuotaPerm for more"},
		{"421 RP-001 (TtKFnQQhnnFeGyPB) Unfortunately, some messages from 192.0.2.1 weren't sent. SpamAssassin UnsolicitedRateLimitError", nil,
			"421 RP-001 (<id>) Unfortunately, some messages from <ip> weren't sent. SpamAssassin UnsolicitedRateLimitError"},
		{"421 RP-001 (ykmVlaIzuKlsTstu) Unfortunately (SpamAssassin) (Greylisted)", nil,
			"421 RP-001 (<id>) Unfortunately (SpamAssassin) (Greylisted)"},
		{"554 For explanation visit https://postmaster.gmx.net/en/case?c=r0123&i=ip&r=DyytZlewsDHsbJNY&p=OverQuotaPerm", nil,
			"554 For explanation visit https://postmaster.gmx.net/en/case?c=<id>&i=ip&r=<id>&p=OverQuotaPerm"},
		{"550 spam message rejected. Please visit https://yandex.ru/notspam-support/id?c=qLHpQBZaMpisKloW or report", nil,
			"550 spam message rejected. Please visit https://yandex.ru/notspam-support/id?c=<id> or report"},
		{"450 4.2.0 <a@shop.example.org>: Greylisted, see http://postgrey.schweikert.ch/help/shop.example.org.html", []string{"shop.example.org"},
			"450 4.2.0 <email>: Greylisted, see http://postgrey.schweikert.ch/help/<domain>.html"},
		{"554 5.7.1 Service unavailable; Client host [203.0.113.7] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/203.0.113.7", nil,
			"554 5.7.1 Service unavailable; Client host [<ip>] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/<ip>"},
		{"421 4.7.0 [TSS04] Messages from 192.0.2.10 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", nil,
			"421 4.7.0 [TSS04] Messages from <ip> temporarily deferred due to unexpected volume or user complaints - <ip>; see https://postmaster.yahooinc.com/error-codes"},
		{"451 4.7.500 Server busy. Please try again later from [2001:db8:25:1::25]. (S77714) [AMS0EPF000001A4.eurprd05.prod.outlook.com]", nil,
			"451 4.7.500 Server busy. Please try again later from [<ip>]. (<id>) [<host>]"},
		{"250 2.0.0 Ok: queued as 4Xk9Lm2QzHz1", nil, "250 2.0.0 Ok: queued as <id>"},
		{"554 delivery error: dd This user doesn't have a yahoo.com account (anna.smith@yahoo.com) [0] - mta4011.mail.gq1.yahoo.com", []string{"yahoo.com"},
			"554 delivery error: dd This user doesn't have a <domain> account (<email>) [0] - <host>"},
		{"550-5.7.26 Unauthenticated email from Acme.example is not accepted due to domain's DMARC policy. Please contact the administrator of acme.example domain.", []string{"gmail.com", "acme.example"},
			"550 5.7.26 Unauthenticated email from <domain> is not accepted due to domain's DMARC policy. Please contact the administrator of <domain> domain."},
		{"connect to mx1.acme.example[192.0.2.1]:25: Connection timed out", nil, "connect to <host>[<ip>]:25: Connection timed out"},
		{"host smtp.acme.example[192.0.2.1] said: 550 5.1.1 User unknown", []string{"acme.example"}, "host <host>[<ip>] said: 550 5.1.1 User unknown"},
		{"451 Greylisted, please retry in 5 minutes (id 1700000000)", nil, "451 Greylisted, please retry in 5 minutes (id <n>)"},
		{"  550\t5.2.2   Mailbox\r\n full  ", nil, "550 5.2.2 Mailbox full"},
		{"550 5.7.1 [2001:DB8::1] and [IPv6:2001:db8::2] blocked", nil, "550 5.7.1 [<ip>] and [IPv6:<ip>] blocked"},
		{"550 5.5.0 Requested action not taken: mailbox unavailable (S2017062302). [AM0PR02MB5473.eurprd02.prod.outlook.com 2024-01-01T12:34:56.789Z 08DC1A2B3C4D5E6F]", nil,
			"550 5.5.0 Requested action not taken: mailbox unavailable (<id>). [<host> <id> <id>]"},
		{"451 Message temporarily deferred due to unresolvable RFC.5321 from domain", nil,
			"451 Message temporarily deferred due to unresolvable RFC.5321 from domain"},
		{"550 Mailbox «Ärger» unbekannt: ¿qué?", nil, "550 Mailbox «Ärger» unbekannt: ¿qué?"},
		{"", nil, ""},
		{"...", nil, "..."},
	}
	for _, c := range cases {
		if got := Template(c.text, c.known...); got != c.want {
			t.Errorf("Template(%q)\n got %q\nwant %q", c.text, got, c.want)
		}
	}
}

func TestTemplateCapsLength(t *testing.T) {
	long := "550 5.7.1 " + strings.Repeat("ü", 300)
	got := Template(long)
	if !strings.HasSuffix(got, "…") || len(got) > MaxTemplateLen+len("…") || !utf8.ValidString(got) {
		t.Errorf("capped template is %d bytes, valid UTF-8 %v: %q", len(got), utf8.ValidString(got), got)
	}
	if got := Template(strings.Repeat("a", MaxTemplateLen)); len(got) != MaxTemplateLen || strings.HasSuffix(got, "…") {
		t.Errorf("a template of exactly the cap was cut: %q", got)
	}
}

// TestTemplateGroupsVariants: replies that differ only in what differs
// between messages share a template; different reasons do not.
func TestTemplateGroupsVariants(t *testing.T) {
	groups := [][]string{
		{
			"550 5.1.1 <bob@x.com>: Recipient address rejected: User unknown in virtual mailbox table",
			"550 5.1.1 <anna.mueller+news@mail.example.org>: Recipient address rejected: User unknown in virtual mailbox table",
		},
		{
			"550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. 6a1803df08f44-6e8a0b1c2d3si123456qv.42 - gsmtp",
			"550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos or unnecessary spaces. d9443c01a7336-2a1b2c3d4e5sor1234567pla.12 - gsmtp",
		},
		{
			"421-4.7.28 [203.0.113.25      15] Our system has detected an unusual rate of unsolicited mail originating from your IP address.",
			"421-4.7.28 [198.51.100.7      15] Our system has detected an unusual rate of unsolicited mail originating from your IP address.",
		},
		{
			"451 4.7.650 The mail server [192.0.2.10] has been temporarily rate limited due to IP reputation. (S775) [MxId=11B2C3D4E5F60718] [DB5PEPF00014B9C.eurprd02.prod.outlook.com]",
			"451 4.7.650 The mail server [2001:db8:25:3::25] has been temporarily rate limited due to IP reputation. (S775) [MxId=A1B2C3D4E5F6A7B8] [AMS0EPF000001A4.eurprd05.prod.outlook.com]",
		},
		{
			"250 2.6.0 <1700000000.42@acme.example> [InternalId=123456789012, Hostname=AM0PR02MB5473.eurprd02.prod.outlook.com] Queued mail for delivery",
			"250 2.6.0 <1700000123.7@other.example> [InternalId=98765432101, Hostname=DB8PR10MB3321.eurprd10.prod.outlook.com] Queued mail for delivery",
		},
		{
			"451 4.7.1 Sorry, the service is currently unavailable. Please come back later. 1700000000-aB3dE5fG7h",
			"451 4.7.1 Sorry, the service is currently unavailable. Please come back later. 1700000999-Zx9Yw8Vu7t",
		},
		{
			"550 spam message rejected. Please visit https://help.mail.ru/notspam-support/id?c=AbCdEf0123456789 or report details to abuse@corp.mail.ru. Error code: 0A1B2C3D4E5F. ID: 1700000000.",
			"550 spam message rejected. Please visit https://help.mail.ru/notspam-support/id?c=ZyXwVu9876543210 or report details to abuse@corp.mail.ru. Error code: 9F8E7D6C5B4A. ID: 1700000999.",
		},
		{
			"connect to mx1.acme.example[192.0.2.1]:25: Connection timed out",
			"connect to mx02.globex.example.com[198.51.100.200]:25: Connection timed out",
		},
		{"550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using b.barracudacentral.org"},
		{"550 5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org"},
		{"452 4.2.2 <bob@x.com>: Mailbox is full"},
	}
	seen := map[string]int{}
	for gi, g := range groups {
		want := Template(g[0])
		for _, v := range g[1:] {
			if got := Template(v); got != want {
				t.Errorf("group %d splits:\n %q\n %q", gi, want, got)
			}
		}
		if other, dup := seen[want]; dup {
			t.Errorf("groups %d and %d merge into %q", other, gi, want)
		}
		seen[want] = gi
	}
}

var (
	reIPv4  = regexp.MustCompile(`\b\d{1,3}(?:\.\d{1,3}){3}\b`)
	reEmail = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`)
	reMixed = regexp.MustCompile(`\b[A-Za-z0-9]*\d[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*\b|\b[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*\d[A-Za-z0-9]*\b`)
)

// variant changes what differs between messages in a reply: addresses, IP
// addresses and the digits of long ids.
func variant(s string) string {
	s = reEmail.ReplaceAllString(s, "someone.else+tag@another-domain.test")
	s = reIPv4.ReplaceAllString(s, "198.51.100.231")
	return reMixed.ReplaceAllStringFunc(s, func(w string) string {
		if len(w) < 12 {
			return w
		}
		b := []byte(w)
		for i, c := range b {
			if c >= '0' && c <= '9' {
				b[i] = '0' + (c-'0'+3)%10
			}
		}
		return string(b)
	})
}

// TestTemplateOnRealResponses runs Template over every reply of the
// classifier's table of real-world responses.
func TestTemplateOnRealResponses(t *testing.T) {
	c := Default()
	changed := 0
	for _, r := range loadResponses(t) {
		known := []string{r.in.Domain, r.in.MXHost}
		tpl := Template(r.in.Text, known...)
		if v := variant(r.in.Text); v != r.in.Text {
			changed++
			if got := Template(v, known...); got != tpl {
				t.Errorf("responses.tsv:%d: a variant splits the group:\n %q\n %q", r.line, tpl, got)
			}
		}
		if reIPv4.MatchString(tpl) || reEmail.MatchString(tpl) {
			t.Errorf("responses.tsv:%d: an address survived: %q", r.line, tpl)
		}
		if len(tpl) > MaxTemplateLen+len("…") || !utf8.ValidString(tpl) {
			t.Errorf("responses.tsv:%d: %d bytes or invalid UTF-8: %q", r.line, len(tpl), tpl)
		}
		if !strings.HasSuffix(tpl, "…") {
			if again := Template(tpl, known...); again != tpl {
				t.Errorf("responses.tsv:%d: not idempotent:\n %q\n %q", r.line, tpl, again)
			}
		}
		// A template keeps the reason: it classifies like the reply. (Names
		// the event carries are left out here: rules may quote a provider's
		// own domain, "doesn't have a yahoo.com account".)
		in := r.in
		in.Text = Template(r.in.Text)
		if got := c.Classify(in); got.Category != r.category {
			t.Errorf("responses.tsv:%d: the template classifies as %s, the reply as %s: %q", r.line, got.Category, r.category, tpl)
		}
	}
	if changed < 80 {
		t.Errorf("only %d responses had variable parts to vary; the test proves little", changed)
	}
}

func FuzzTemplate(f *testing.F) {
	for _, s := range []string{"550 5.1.1 <bob@x.com>: no", "421-4.7.0 [192.0.2.1] x", "a:b:c 1:2", "IPv6:::1", "\xff\xfe<@>", "…"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Template(s, "x.com")
		if len(got) > MaxTemplateLen+len("…") {
			t.Fatalf("%d bytes", len(got))
		}
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8 %q", got)
		}
	})
}

func BenchmarkTemplate(b *testing.B) {
	responses := loadResponses(b)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		r := &responses[i%len(responses)]
		Template(r.in.Text, r.in.Domain, r.in.MXHost)
	}
}
