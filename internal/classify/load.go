package classify

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
)

//go:embed rules.json
var defaultRulesJSON []byte

// ruleFile is the JSON rules format, shared by the embedded defaults and
// operator override files.
type ruleFile struct {
	// About is free text for the humans reading the file.
	About stringsList `json:"about"`
	// ReplaceDefaults, in an override file, drops the embedded rules
	// entirely instead of putting the file's rules in front of them.
	ReplaceDefaults bool `json:"replace_defaults"`
	// Disable, in an override file, lists embedded rule ids to drop.
	Disable []string `json:"disable"`
	// Providers names groups of recipient domains / MX suffixes; an
	// override file adds groups or replaces a group of the same name.
	Providers map[string][]string `json:"providers"`
	// Rules are decoded one by one so that errors can name the rule.
	Rules []json.RawMessage `json:"rules"`
}

// ruleSpec is one rule as written in the file.
type ruleSpec struct {
	ID       string      `json:"id"`
	Provider string      `json:"provider"`
	Status   stringsList `json:"status"`
	Enhanced stringsList `json:"enhanced"`
	Contains stringsList `json:"contains"`
	Regexp   string      `json:"regexp"`
	Category string      `json:"category"`
	Type     string      `json:"type"`
	Note     string      `json:"note"`
}

// stringsList accepts either "a" or ["a", "b"], so that the common case of
// a single value stays readable in the file.
type stringsList []string

func (l *stringsList) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*l = stringsList{s}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(l))
}

// RuleError reports a bad rule in a rules file.
type RuleError struct {
	Index int    // position in the file's rules array, from 0
	ID    string // the rule's id, if it has one
	Field string // the JSON field at fault
	Err   error
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("rule %d (id %q): %s: %v", e.Index, e.ID, e.Field, e.Err)
}

func (e *RuleError) Unwrap() error { return e.Err }

var (
	statusPattern   = regexp.MustCompile(`^[2-5][0-9x][0-9x]$`)
	enhancedPattern = regexp.MustCompile(`^[245x]\.[0-9]{1,3}\.([0-9]{1,3})?$`)
	knownCategories = Categories()
)

// defaults is the embedded rule file, parsed once.
var defaults = sync.OnceValues(func() (*ruleFile, error) {
	return parseFile(bytes.NewReader(defaultRulesJSON))
})

// defaultClassifier is the embedded rule set, compiled once.
var defaultClassifier = sync.OnceValue(func() *Classifier {
	c, err := build(nil)
	if err != nil {
		// The embedded file is part of the binary and TestDefaultRules
		// loads it, so this is a build defect, not a runtime condition.
		panic("classify: embedded rules.json: " + err.Error())
	}
	return c
})

// Default returns the classifier built from the embedded rules.json. It is
// compiled on first use and shared.
func Default() *Classifier { return defaultClassifier() }

// Load reads an operator rules file (the rules.json format) and returns a
// classifier that tries its rules first and then the embedded ones, unless
// the file sets "replace_defaults". An embedded rule with the same id as a
// file rule, or listed in "disable", is dropped.
func Load(r io.Reader) (*Classifier, error) {
	f, err := parseFile(r)
	if err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	c, err := build(f)
	if err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	return c, nil
}

// LoadFile is Load for a file on disk.
func LoadFile(path string) (*Classifier, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("classify: open rules: %w", err)
	}
	defer fh.Close()
	c, err := Load(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func parseFile(r io.Reader) (*ruleFile, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var f ruleFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode rules: %w", err)
	}
	if dec.More() {
		return nil, errors.New("decode rules: data after the top-level object")
	}
	return &f, nil
}

// build compiles the override file's rules (none when f is nil) followed
// by the embedded defaults.
func build(f *ruleFile) (*Classifier, error) {
	def, err := defaults()
	if err != nil {
		return nil, fmt.Errorf("embedded rules: %w", err)
	}
	if f == nil {
		f = &ruleFile{}
	}
	providers := make(map[string][]string, len(def.Providers)+len(f.Providers))
	for _, src := range []map[string][]string{def.Providers, f.Providers} {
		for name, domains := range src {
			providers[name] = normalizeDomains(domains)
		}
	}
	own, err := compileRules(f.Rules, providers)
	if err != nil {
		return nil, err
	}
	if f.ReplaceDefaults {
		return &Classifier{rules: own}, nil
	}
	base, err := compileRules(def.Rules, providers)
	if err != nil {
		return nil, fmt.Errorf("embedded rules: %w", err)
	}
	drop := make(map[string]bool, len(f.Disable)+len(own))
	for i, id := range f.Disable {
		if !slices.ContainsFunc(base, func(r rule) bool { return r.id == id }) {
			return nil, fmt.Errorf("disable[%d]: %q is not an embedded rule id", i, id)
		}
		drop[id] = true
	}
	for _, r := range own {
		drop[r.id] = true
	}
	rules := own
	for _, r := range base {
		if !drop[r.id] {
			rules = append(rules, r)
		}
	}
	return &Classifier{rules: rules}, nil
}

func normalizeDomains(domains []string) []string {
	out := make([]string, 0, len(domains))
	for _, d := range domains {
		if d = strings.Trim(strings.ToLower(strings.TrimSpace(d)), "."); d != "" {
			out = append(out, d)
		}
	}
	return out
}

func compileRules(raw []json.RawMessage, providers map[string][]string) ([]rule, error) {
	rules := make([]rule, 0, len(raw))
	seen := make(map[string]int, len(raw))
	for i, msg := range raw {
		var spec ruleSpec
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&spec); err != nil {
			return nil, &RuleError{Index: i, Field: "json", Err: err}
		}
		r, field, err := compileRule(spec, providers)
		if err != nil {
			return nil, &RuleError{Index: i, ID: spec.ID, Field: field, Err: err}
		}
		if j, dup := seen[r.id]; dup {
			return nil, &RuleError{Index: i, ID: spec.ID, Field: "id", Err: fmt.Errorf("duplicate of rule %d", j)}
		}
		seen[r.id] = i
		rules = append(rules, r)
	}
	return rules, nil
}

// compileRule validates one rule; on error it also names the field at fault.
func compileRule(s ruleSpec, providers map[string][]string) (rule, string, error) {
	r := rule{id: s.ID, category: s.Category, typ: s.Type, status: s.Status, enhanced: s.Enhanced}
	if s.ID == "" {
		return r, "id", errors.New("missing")
	}
	if !slices.Contains(knownCategories, s.Category) {
		return r, "category", fmt.Errorf("unknown category %q (want one of %s)", s.Category, strings.Join(knownCategories, ", "))
	}
	if s.Type != Hard && s.Type != Soft && s.Type != typeAuto {
		return r, "type", fmt.Errorf("unknown type %q (want hard, soft or auto)", s.Type)
	}
	if s.Provider != "" {
		domains, ok := providers[s.Provider]
		if !ok {
			return r, "provider", fmt.Errorf("unknown provider %q", s.Provider)
		}
		if len(domains) == 0 {
			return r, "provider", fmt.Errorf("provider %q has no domains", s.Provider)
		}
		r.providers = domains
	}
	for _, p := range s.Status {
		if !statusPattern.MatchString(p) {
			return r, "status", fmt.Errorf("bad pattern %q (want e.g. 550, 55x or 5xx)", p)
		}
	}
	for _, p := range s.Enhanced {
		if !enhancedPattern.MatchString(p) {
			return r, "enhanced", fmt.Errorf("bad pattern %q (want e.g. 5.1.1, 5.7. or x.7.1)", p)
		}
	}
	for _, sub := range s.Contains {
		if sub == "" {
			return r, "contains", errors.New("empty substring")
		}
		r.contains = append(r.contains, appendLower(nil, sub))
	}
	if s.Regexp != "" {
		re, err := regexp.Compile("(?i)" + s.Regexp)
		if err != nil {
			return r, "regexp", err
		}
		r.re = re
		r.reLits, r.reExact = literalSet(s.Regexp)
	}
	if len(r.providers)+len(r.status)+len(r.enhanced)+len(r.contains) == 0 && r.re == nil {
		return r, "id", errors.New("no conditions: the rule would match every reply")
	}
	return r, "", nil
}
