package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// schemaDoc validates JSON values against the schemas of a JSON document
// (here the OpenAPI document), resolving local "$ref"s. It implements the
// subset of JSON Schema 2020-12 the document uses; a schema with any other
// keyword is reported as an error rather than silently passing, so the
// document cannot rely on a check this validator does not make.
type schemaDoc struct {
	root any
}

// schemaKeywords are the keywords the validator checks, and annotations
// it may ignore.
var (
	schemaKeywords = []string{"$ref", "type", "enum", "const", "properties", "required", "additionalProperties",
		"minProperties", "items", "minItems", "maxItems", "minimum", "maximum", "minLength", "maxLength",
		"pattern", "format", "oneOf", "anyOf", "allOf"}
	schemaAnnotations = []string{"description", "examples", "default", "title"}
)

// decodeJSONNumbers decodes b keeping numbers as json.Number, so that an integer
// can be told from a float.
func decodeJSONNumbers(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

func newSchemaDoc(b []byte) (*schemaDoc, error) {
	root, err := decodeJSONNumbers(b)
	if err != nil {
		return nil, err
	}
	return &schemaDoc{root: root}, nil
}

// resolve returns the value at a local reference such as
// "#/components/schemas/Error".
func (d *schemaDoc) resolve(ref string) (any, error) {
	p, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, fmt.Errorf("%q is not a local reference", ref)
	}
	cur := d.root
	if p == "" {
		return cur, nil
	}
	for _, tok := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("reference %q: %q is not inside an object", ref, tok)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("reference %q: no %q", ref, tok)
		}
	}
	return cur, nil
}

// deref follows "$ref" until an object without one (for parameters,
// responses and headers, where a $ref has no siblings).
func (d *schemaDoc) deref(v any) (map[string]any, error) {
	for range 10 {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("not an object: %v", v)
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return m, nil
		}
		var err error
		if v, err = d.resolve(ref); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("reference chain too long")
}

// validate returns every way inst breaks schema, each prefixed with the
// instance's JSON path.
func (d *schemaDoc) validate(schema, inst any, path string) []string {
	var errs []string
	fail := func(format string, args ...any) {
		errs = append(errs, path+": "+fmt.Sprintf(format, args...))
	}
	if b, ok := schema.(bool); ok {
		if !b {
			fail("no value is allowed here")
		}
		return errs
	}
	s, ok := schema.(map[string]any)
	if !ok {
		fail("schema is not an object: %v", schema)
		return errs
	}
	for k := range s {
		if !slices.Contains(schemaKeywords, k) && !slices.Contains(schemaAnnotations, k) {
			fail("schema keyword %q is not supported by the test's validator", k)
		}
	}
	if ref, ok := s["$ref"].(string); ok {
		target, err := d.resolve(ref)
		if err != nil {
			fail("%v", err)
			return errs
		}
		errs = append(errs, d.validate(target, inst, path)...)
	}
	if t, ok := s["type"]; ok && !typeMatches(t, inst) {
		fail("%s is not of type %v", describe(inst), t)
		return errs // the other keywords would only repeat it
	}
	if e, ok := s["enum"].([]any); ok && !slices.ContainsFunc(e, func(v any) bool { return jsonEqual(v, inst) }) {
		fail("%s is not one of %v", describe(inst), e)
	}
	if c, ok := s["const"]; ok && !jsonEqual(c, inst) {
		fail("%s is not %v", describe(inst), c)
	}
	errs = append(errs, d.validateComposition(s, inst, path)...)
	switch v := inst.(type) {
	case map[string]any:
		errs = append(errs, d.validateObject(s, v, path)...)
	case []any:
		errs = append(errs, d.validateArray(s, v, path)...)
	case string:
		errs = append(errs, validateString(s, v, path)...)
	case json.Number:
		errs = append(errs, validateNumber(s, v, path)...)
	}
	return errs
}

func (d *schemaDoc) validateComposition(s map[string]any, inst any, path string) []string {
	var errs []string
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, d.validate(sub, inst, path)...)
		}
	}
	matches := func(list []any) (n int, why []string) {
		for i, sub := range list {
			if e := d.validate(sub, inst, path); len(e) == 0 {
				n++
			} else {
				why = append(why, fmt.Sprintf("[%d] %s", i, strings.Join(e, "; ")))
			}
		}
		return n, why
	}
	if one, ok := s["oneOf"].([]any); ok {
		if n, why := matches(one); n != 1 {
			errs = append(errs, fmt.Sprintf("%s: matches %d of oneOf, want exactly 1: %s", path, n, strings.Join(why, " | ")))
		}
	}
	if any_, ok := s["anyOf"].([]any); ok {
		if n, why := matches(any_); n == 0 {
			errs = append(errs, fmt.Sprintf("%s: matches none of anyOf: %s", path, strings.Join(why, " | ")))
		}
	}
	return errs
}

func (d *schemaDoc) validateObject(s map[string]any, v map[string]any, path string) []string {
	var errs []string
	props, _ := s["properties"].(map[string]any)
	if req, ok := s["required"].([]any); ok {
		for _, r := range req {
			if _, ok := v[r.(string)]; !ok {
				errs = append(errs, fmt.Sprintf("%s: missing required property %q", path, r))
			}
		}
	}
	if n, ok := s["minProperties"].(json.Number); ok {
		if min, _ := n.Int64(); int64(len(v)) < min {
			errs = append(errs, fmt.Sprintf("%s: %d properties, want at least %d", path, len(v), min))
		}
	}
	for k, val := range v {
		if sub, ok := props[k]; ok {
			errs = append(errs, d.validate(sub, val, path+"."+k)...)
			continue
		}
		if ap, ok := s["additionalProperties"]; ok {
			if b, isBool := ap.(bool); isBool && !b {
				errs = append(errs, fmt.Sprintf("%s: property %q is not in the schema", path, k))
			} else if !isBool {
				errs = append(errs, d.validate(ap, val, path+"."+k)...)
			}
		}
	}
	return errs
}

func (d *schemaDoc) validateArray(s map[string]any, v []any, path string) []string {
	var errs []string
	if n, ok := s["minItems"].(json.Number); ok {
		if min, _ := n.Int64(); int64(len(v)) < min {
			errs = append(errs, fmt.Sprintf("%s: %d items, want at least %d", path, len(v), min))
		}
	}
	if n, ok := s["maxItems"].(json.Number); ok {
		if max, _ := n.Int64(); int64(len(v)) > max {
			errs = append(errs, fmt.Sprintf("%s: %d items, want at most %d", path, len(v), max))
		}
	}
	if items, ok := s["items"]; ok {
		for i, it := range v {
			errs = append(errs, d.validate(items, it, fmt.Sprintf("%s[%d]", path, i))...)
		}
	}
	return errs
}

func validateString(s map[string]any, v, path string) []string {
	var errs []string
	n := int64(utf8.RuneCountInString(v))
	if m, ok := s["minLength"].(json.Number); ok {
		if min, _ := m.Int64(); n < min {
			errs = append(errs, fmt.Sprintf("%s: %q is shorter than %d", path, v, min))
		}
	}
	if m, ok := s["maxLength"].(json.Number); ok {
		if max, _ := m.Int64(); n > max {
			errs = append(errs, fmt.Sprintf("%s: %d characters, more than %d", path, n, max))
		}
	}
	if p, ok := s["pattern"].(string); ok {
		re, err := regexp.Compile(p)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s: bad pattern %q: %v", path, p, err))
		} else if !re.MatchString(v) {
			errs = append(errs, fmt.Sprintf("%s: %q does not match %s", path, v, p))
		}
	}
	if f, ok := s["format"].(string); ok && f == "date-time" {
		if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %q is not an RFC 3339 date-time", path, v))
		}
	}
	return errs
}

func validateNumber(s map[string]any, v json.Number, path string) []string {
	var errs []string
	x, ok := new(big.Rat).SetString(v.String())
	if !ok {
		return []string{fmt.Sprintf("%s: %q is not a number", path, v)}
	}
	bound := func(key string, bad func(c int) bool, what string) {
		if b, ok := s[key].(json.Number); ok {
			y, _ := new(big.Rat).SetString(b.String())
			if y != nil && bad(x.Cmp(y)) {
				errs = append(errs, fmt.Sprintf("%s: %s is %s %s", path, v, what, b))
			}
		}
	}
	bound("minimum", func(c int) bool { return c < 0 }, "below")
	bound("maximum", func(c int) bool { return c > 0 }, "above")
	return errs
}

// typeMatches reports whether inst is of the JSON Schema type t, a name or
// a list of names.
func typeMatches(t, inst any) bool {
	if list, ok := t.([]any); ok {
		return slices.ContainsFunc(list, func(n any) bool { return typeMatches(n, inst) })
	}
	switch t {
	case "null":
		return inst == nil
	case "boolean":
		_, ok := inst.(bool)
		return ok
	case "object":
		_, ok := inst.(map[string]any)
		return ok
	case "array":
		_, ok := inst.([]any)
		return ok
	case "string":
		_, ok := inst.(string)
		return ok
	case "number":
		_, ok := inst.(json.Number)
		return ok
	case "integer":
		n, ok := inst.(json.Number)
		if !ok {
			return false
		}
		r, ok := new(big.Rat).SetString(n.String())
		return ok && r.IsInt()
	}
	return false
}

// jsonEqual compares two decoded JSON values; numbers by value.
func jsonEqual(a, b any) bool {
	na, aok := a.(json.Number)
	nb, bok := b.(json.Number)
	if aok && bok {
		x, _ := new(big.Rat).SetString(na.String())
		y, _ := new(big.Rat).SetString(nb.String())
		return x != nil && y != nil && x.Cmp(y) == 0
	}
	return reflect.DeepEqual(a, b)
}

func describe(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		b = append(b[:77], "..."...)
	}
	return string(b)
}
