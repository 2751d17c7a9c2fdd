package classify

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDefaultRules guards the embedded file, which Default would otherwise
// only reject at run time.
func TestDefaultRules(t *testing.T) {
	def, err := defaults()
	if err != nil {
		t.Fatal(err)
	}
	if def.ReplaceDefaults || len(def.Disable) > 0 {
		t.Error("embedded rules must not use replace_defaults or disable")
	}
	if _, err := build(nil); err != nil {
		t.Fatal(err)
	}
	for i, raw := range def.Rules {
		var spec ruleSpec
		if err := json.Unmarshal(raw, &spec); err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(spec.Note) == "" {
			t.Errorf("rule %d (%s) has no note: every default rule documents its choice", i, spec.ID)
		}
	}
	if n := len(Default().rules); n < 60 {
		t.Errorf("only %d default rules", n)
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantField string // "" for errors that are not a RuleError
		wantText  string
	}{
		{"not json", `{`, "", "decode rules"},
		{"unknown top field", `{"rulez": []}`, "", "rulez"},
		{"trailing data", `{} {}`, "", "after the top-level object"},
		{"unknown rule field", `{"rules": [{"id": "a", "catgory": "other"}]}`, "json", "catgory"},
		{"missing id", `{"rules": [{"status": "550", "category": "other", "type": "hard"}]}`, "id", "missing"},
		{"unknown category", `{"rules": [{"id": "a", "status": "550", "category": "bounce", "type": "hard"}]}`, "category", `unknown category "bounce"`},
		{"bad type", `{"rules": [{"id": "a", "status": "550", "category": "other", "type": "permanent"}]}`, "type", `unknown type "permanent"`},
		{"bad regexp", `{"rules": [{"id": "a", "regexp": "(unclosed", "category": "other", "type": "hard"}]}`, "regexp", "missing closing )"},
		{"bad status", `{"rules": [{"id": "a", "status": "5x", "category": "other", "type": "hard"}]}`, "status", `bad pattern "5x"`},
		{"bad enhanced", `{"rules": [{"id": "a", "enhanced": "5.7", "category": "other", "type": "hard"}]}`, "enhanced", `bad pattern "5.7"`},
		{"unknown provider", `{"rules": [{"id": "a", "provider": "hotmale", "status": "550", "category": "other", "type": "hard"}]}`, "provider", `unknown provider "hotmale"`},
		{"empty provider", `{"providers": {"none": []}, "rules": [{"id": "a", "provider": "none", "category": "other", "type": "hard"}]}`, "provider", "no domains"},
		{"empty contains", `{"rules": [{"id": "a", "contains": [""], "category": "other", "type": "hard"}]}`, "contains", "empty substring"},
		{"no conditions", `{"rules": [{"id": "a", "category": "other", "type": "hard"}]}`, "id", "no conditions"},
		{"duplicate id", `{"rules": [{"id": "a", "status": "550", "category": "other", "type": "hard"}, {"id": "a", "status": "551", "category": "other", "type": "hard"}]}`, "id", "duplicate of rule 0"},
		{"unknown disable", `{"disable": ["no-such-rule"], "rules": []}`, "", `disable[0]: "no-such-rule"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(strings.NewReader(tt.body))
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), "classify: ") || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q, want it to contain %q", err, tt.wantText)
			}
			var re *RuleError
			if errors.As(err, &re) != (tt.wantField != "") {
				t.Fatalf("errors.As RuleError = %v for %v", !errors.As(err, &re), err)
			}
			if re != nil && re.Field != tt.wantField {
				t.Errorf("field %q, want %q (%v)", re.Field, tt.wantField, err)
			}
		})
	}
}

func TestRuleErrorNamesRule(t *testing.T) {
	_, err := Load(strings.NewReader(`{"rules": [
		{"id": "ok", "status": "550", "category": "other", "type": "hard"},
		{"id": "broken", "status": "550", "category": "spam", "type": "hard"}]}`))
	want := `classify: rule 1 (id "broken"): category: unknown category "spam"`
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("error %v, want prefix %q", err, want)
	}
}

func TestLoadOverrideTakesPrecedence(t *testing.T) {
	c, err := Load(strings.NewReader(`{
		"providers": {"corp": ["corp.example"], "google": ["gmail.com", "googlemail.com", "google.com", "gmail.example"]},
		"disable": ["greylisting"],
		"rules": [
			{"id": "corp-full-is-gone", "provider": "corp", "enhanced": "5.2.2", "category": "invalid_recipient", "type": "hard"},
			{"id": "google-sending-quota", "contains": "daily user sending quota exceeded", "category": "rate_limited", "type": "hard", "note": "we page on this"}
		]}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   Input
		want Result
	}{
		{"override rule wins", Input{StatusCode: 552, Text: "552 5.2.2 Mailbox full", Domain: "corp.example"},
			Result{InvalidRecipient, Hard, "corp-full-is-gone"}},
		{"defaults still apply elsewhere", Input{StatusCode: 552, Text: "552 5.2.2 Mailbox full", Domain: "example.org"},
			Result{MailboxFull, Soft, "mailbox-full-text"}},
		{"same id replaces the default", Input{StatusCode: 550, Text: "550 5.4.5 Daily user sending quota exceeded."},
			Result{RateLimited, Hard, "google-sending-quota"}},
		{"disabled default is skipped", Input{StatusCode: 451, Text: "451 4.7.1 Greylisted, please try again"},
			Result{Other, Soft, "status-class-4xx"}},
		{"provider group extended for defaults", Input{StatusCode: 550, Text: "550 5.7.1 Email quota exceeded.", Domain: "gmail.example"},
			Result{RateLimited, Soft, "google-email-quota"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Classify(tt.in); got != tt.want {
				t.Errorf("Classify(%q) = %+v, want %+v", tt.in.Text, got, tt.want)
			}
		})
	}
	if got := Default().Classify(Input{StatusCode: 550, Text: "550 5.4.5 Daily user sending quota exceeded."}); got.Type != Soft {
		t.Errorf("Load changed the shared default classifier: %+v", got)
	}
}

func TestLoadReplaceDefaults(t *testing.T) {
	c, err := Load(strings.NewReader(`{"replace_defaults": true, "rules": [
		{"id": "only", "status": "5xx", "contains": ["nope"], "category": "spam_content", "type": "hard"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Classify(Input{StatusCode: 550, Text: "550 NOPE"}); got != (Result{SpamContent, Hard, "only"}) {
		t.Errorf("got %+v", got)
	}
	if got := c.Classify(Input{StatusCode: 550, Text: "550 5.1.1 User unknown"}); got != (Result{Other, Hard, FallbackRuleID}) {
		t.Errorf("defaults still used: %+v", got)
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "rules.json")
	if err := os.WriteFile(good, []byte(`{"rules": [{"id": "x", "status": ["599", "598"], "category": "tls", "type": "soft"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Classify(Input{StatusCode: 598}); got != (Result{TLS, Soft, "x"}) {
		t.Errorf("got %+v", got)
	}
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"rules": [{"id": "y", "status": "550", "category": "other", "type": "maybe"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(bad); err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `"y"`) {
		t.Errorf("error %v should name the file and the rule", err)
	}
	if _, err := LoadFile(filepath.Join(dir, "missing.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v, want os.ErrNotExist", err)
	}
}

func TestLiteralSet(t *testing.T) {
	tests := []struct {
		pattern string
		exact   bool
		want    []string
	}{
		{"foo|bar", true, []string{"bar", "foo"}},
		{"doesn'?t exist", true, []string{"doesn't exist", "doesnt exist"}},
		{"(?:user|mailbox) (?:is )?gone", true, []string{"mailbox gone", "mailbox is gone", "user gone", "user is gone"}},
		{`\[bl2[0-9]\]`, true, nil}, // ten literals
		{`\bspf\b|dkim`, false, []string{"dkim", "spf"}},
		{`a.*b`, false, nil},
		{`\bfoo\b.*barbaz`, false, []string{"barbaz"}},
	}
	for _, tt := range tests {
		lits, exact := literalSet(tt.pattern)
		if tt.exact != exact {
			t.Errorf("%q: exact = %v, want %v", tt.pattern, exact, tt.exact)
		}
		if tt.want == nil {
			continue
		}
		got := make([]string, len(lits))
		for i, l := range lits {
			got[i] = string(l)
		}
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%q: literals %q, want %q", tt.pattern, got, tt.want)
		}
	}
}
