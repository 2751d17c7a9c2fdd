package classify

import (
	"bufio"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// response is one line of testdata/responses.tsv.
type response struct {
	line     int
	in       Input
	category string
	typ      string
}

func loadResponses(t testing.TB) []response {
	t.Helper()
	f, err := os.Open("testdata/responses.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []response
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 6 {
			t.Fatalf("responses.tsv:%d: %d columns, want 6", n, len(cols))
		}
		for i, c := range cols {
			if c == "-" {
				cols[i] = ""
			}
		}
		status, err := strconv.Atoi(cols[0])
		if err != nil {
			t.Fatalf("responses.tsv:%d: status: %v", n, err)
		}
		out = append(out, response{
			line:     n,
			in:       Input{StatusCode: status, Domain: cols[1], MXHost: cols[2], Text: cols[5]},
			category: cols[3],
			typ:      cols[4],
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestClassifyResponses(t *testing.T) {
	c := Default()
	responses := loadResponses(t)
	if len(responses) < 150 {
		t.Fatalf("only %d test responses, want at least 150", len(responses))
	}
	seen := map[string]bool{}
	for _, r := range responses {
		name := "line" + strconv.Itoa(r.line)
		t.Run(name, func(t *testing.T) {
			got := c.Classify(r.in)
			if got.Category != r.category || got.Type != r.typ {
				t.Errorf("Classify(%d, %q, domain=%q mx=%q) = %s/%s (rule %s), want %s/%s",
					r.in.StatusCode, r.in.Text, r.in.Domain, r.in.MXHost, got.Category, got.Type, got.RuleID, r.category, r.typ)
			}
		})
		seen[r.category] = true
	}
	for _, cat := range Categories() {
		if !seen[cat] {
			t.Errorf("no test response for category %s", cat)
		}
	}
}

func TestClassifyFallback(t *testing.T) {
	c := Default()
	tests := []struct {
		name string
		in   Input
		want Result
	}{
		{"empty", Input{}, Result{Other, Soft, FallbackRuleID}},
		{"unknown text no code", Input{Text: "something odd happened"}, Result{Other, Soft, FallbackRuleID}},
		{"4xx empty", Input{StatusCode: 451}, Result{Other, Soft, "status-class-4xx"}},
		{"5xx empty", Input{StatusCode: 554}, Result{Other, Hard, "status-class-5xx"}},
		{"5xx unknown", Input{StatusCode: 550, Text: "550 computer says no"}, Result{Other, Hard, "status-class-5xx"}},
		{"code taken from text", Input{Text: "554 computer says no"}, Result{Other, Hard, "status-class-5xx"}},
		{"2xx is not a failure class", Input{StatusCode: 250, Text: "250 ok"}, Result{Other, Soft, FallbackRuleID}},
		{"out of range status", Input{StatusCode: 9999}, Result{Other, Soft, FallbackRuleID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Classify(tt.in); got != tt.want {
				t.Errorf("Classify(%+v) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

// TestProviderGate checks that a provider rule applies only to that
// provider's domains and MX hosts, subdomains included.
func TestProviderGate(t *testing.T) {
	c := Default()
	text := "451 4.7.1 Sorry, the service is currently unavailable."
	tests := []struct {
		domain, mx string
		want       string
	}{
		{"yandex.ru", "", RateLimited},
		{"YANDEX.RU.", "", RateLimited},
		{"", "mx.yandex.net", RateLimited},
		{"example.com", "mx.yandex.net", RateLimited},
		{"notyandex.ru", "", Other},
		{"example.com", "", Other},
	}
	for _, tt := range tests {
		got := c.Classify(Input{StatusCode: 451, Text: text, Domain: tt.domain, MXHost: tt.mx})
		if got.Category != tt.want {
			t.Errorf("domain=%q mx=%q: got %s (rule %s), want %s", tt.domain, tt.mx, got.Category, got.RuleID, tt.want)
		}
	}
}

func TestEnhancedCode(t *testing.T) {
	tests := []struct {
		text  string
		class int
		want  string
	}{
		{"550 5.1.1 User unknown", 5, "5.1.1"},
		{"550-5.7.26 Unauthenticated", 5, "5.7.26"},
		{"550 5.7.606 Access denied", 5, "5.7.606"},
		{"421 4.7.0 [TSS04] deferred - 4.16.55.1; see", 4, "4.7.0"},
		{"deferred - 4.16.55.1; see", 0, ""},
		{"host mx[5.6.7.8] said: 550 5.1.1 unknown", 5, "5.1.1"},
		{"host mx[45.6.7.8] said: 450 4.1.1 unknown", 4, "4.1.1"},
		{"450 4.1.1 unverified: said: 550 5.1.1 User unknown", 4, "4.1.1"},
		{"450 unverified: said: 550 5.1.1 User unknown", 4, "5.1.1"},
		{"no code here", 0, ""},
		{"sorry (#5.7.1)", 0, "5.7.1"},
		{"5.2.2", 0, "5.2.2"},
		{"v5.2.2", 0, ""},
		{"5.1234.1", 0, ""},
		{"3.1.1 not a class", 0, ""},
		{"mailbox is disabled (554.30)", 0, ""},
	}
	for _, tt := range tests {
		if got := EnhancedCode(tt.text, tt.class); got != tt.want {
			t.Errorf("EnhancedCode(%q, %d) = %q, want %q", tt.text, tt.class, got, tt.want)
		}
	}
}

func TestStatusFromText(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"550 5.1.1 x", 550},
		{"421-4.7.0 x", 421},
		{"554", 554},
		{"host mx[1.2.3.4] said: 452 4.2.2 full", 452},
		{"5500 nope", 0},
		{"connect to x: Connection refused", 0},
		{"650 not a reply class", 0},
	}
	for _, tt := range tests {
		if got := statusFromText(tt.text); got != tt.want {
			t.Errorf("statusFromText(%q) = %d, want %d", tt.text, got, tt.want)
		}
	}
}

func TestCategoriesStable(t *testing.T) {
	cats := Categories()
	if len(cats) != 12 {
		t.Fatalf("got %d categories, want 12", len(cats))
	}
	sorted := slices.Clone(cats)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != len(cats) {
		t.Fatalf("duplicate categories: %v", cats)
	}
}

func TestClassifyAllocs(t *testing.T) {
	c := Default()
	in := Input{StatusCode: 550, Domain: "gmail.com", Text: "550-5.7.1 [203.0.113.25] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked. - gsmtp"}
	if n := testing.AllocsPerRun(100, func() { c.Classify(in) }); n != 0 {
		t.Errorf("Classify allocates %v times per call, want 0", n)
	}
}

func BenchmarkClassify(b *testing.B) {
	c := Default()
	responses := loadResponses(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		c.Classify(responses[i%len(responses)].in)
	}
}

func FuzzClassify(f *testing.F) {
	for _, s := range []string{"550 5.1.1 user unknown", "421-4.7.0 [TSS04] 4.16.55.1", "5.", "4.1.", "said: 45", ""} {
		f.Add(0, s, "gmail.com")
	}
	c := Default()
	f.Fuzz(func(t *testing.T, status int, text, domain string) {
		r := c.Classify(Input{StatusCode: status, Text: text, Domain: domain})
		if !slices.Contains(Categories(), r.Category) || (r.Type != Hard && r.Type != Soft) || r.RuleID == "" {
			t.Fatalf("bad result %+v", r)
		}
		if code := EnhancedCode(text, 0); code != "" && !strings.Contains(text, code) {
			t.Fatalf("EnhancedCode %q not in text", code)
		}
	})
}
