package e2e

import (
	"testing"
)

// TestSchemaValidator checks the validator the OpenAPI tests rely on:
// every keyword passes what it should and fails what it should.
func TestSchemaValidator(t *testing.T) {
	d, err := newSchemaDoc([]byte(`{"defs":{
		"Obj":{"type":"object","required":["a"],"additionalProperties":false,"properties":{"a":{"type":"integer"},"b":{"type":["string","null"]}}},
		"Open":{"type":"object","properties":{"a":{"type":"string"}}},
		"Arr":{"type":"array","minItems":1,"maxItems":2,"items":{"type":"string","enum":["x","y"]}},
		"Num":{"type":"number","minimum":0,"maximum":100},
		"Str":{"type":"string","minLength":2,"maxLength":3,"pattern":"^[a-z]+$"},
		"Time":{"type":["string","null"],"format":"date-time"},
		"Const":{"const":"ok"},
		"One":{"oneOf":[{"type":"integer"},{"type":"number","minimum":10}]},
		"Any":{"anyOf":[{"type":"null"},{"$ref":"#/defs/Obj"}]},
		"Ref":{"$ref":"#/defs/Open","required":["a"]},
		"Bad":{"type":"string","uniqueItems":true},
		"Dangling":{"$ref":"#/defs/Nope"}
	}}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		schema, inst string
		errs         int
	}{
		{"Obj", `{"a":1}`, 0},
		{"Obj", `{"a":1,"b":null}`, 0},
		{"Obj", `{"a":1,"b":"s"}`, 0},
		{"Obj", `{"a":1.5}`, 1},
		{"Obj", `{"a":2.0}`, 0}, // an integral number is an integer
		{"Obj", `{"b":"s"}`, 1},
		{"Obj", `{"a":1,"c":1}`, 1},
		{"Obj", `{"a":1,"b":3}`, 1},
		{"Obj", `[]`, 1},
		{"Open", `{"z":1}`, 0},
		{"Arr", `["x","y"]`, 0},
		{"Arr", `[]`, 1},
		{"Arr", `["x","y","x"]`, 1},
		{"Arr", `["z"]`, 1},
		{"Num", `0`, 0},
		{"Num", `100`, 0},
		{"Num", `-0.5`, 1},
		{"Num", `100.01`, 1},
		{"Num", `"1"`, 1},
		{"Str", `"ab"`, 0},
		{"Str", `"a"`, 1},
		{"Str", `"abcd"`, 1},
		{"Str", `"AB"`, 1},
		{"Time", `"2026-11-26T10:00:00.123Z"`, 0},
		{"Time", `null`, 0},
		{"Time", `"2026-11-26 10:00"`, 1},
		{"Const", `"ok"`, 0},
		{"Const", `"no"`, 1},
		{"One", `5`, 0},
		{"One", `12.5`, 0},
		{"One", `12`, 1}, // both match
		{"One", `"x"`, 1},
		{"Any", `null`, 0},
		{"Any", `{"a":1}`, 0},
		{"Any", `{"b":"s"}`, 1},
		{"Ref", `{"a":"s","z":1}`, 0},
		{"Ref", `{"z":1}`, 1},
		{"Ref", `{"a":1}`, 1},
		{"Bad", `"s"`, 1},
		{"Dangling", `1`, 1},
	}
	for _, c := range cases {
		inst, err := decodeJSONNumbers([]byte(c.inst))
		if err != nil {
			t.Fatal(err)
		}
		schema, err := d.resolve("#/defs/" + c.schema)
		if err != nil {
			t.Fatal(err)
		}
		if errs := d.validate(schema, inst, "$"); len(errs) != c.errs {
			t.Errorf("%s %s: %d errors %q, want %d", c.schema, c.inst, len(errs), errs, c.errs)
		}
	}
}
