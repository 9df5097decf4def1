package device

import (
	"encoding/json"
	"testing"
)

func TestText(t *testing.T) {
	tests := []struct {
		in   string
		want Text
		err  bool
	}{
		{`"3"`, "3", false}, {`3`, "3", false}, {`3.5`, "3.5", false}, {`null`, "", false},
		{`true`, "true", false}, {`"a\"b"`, `a"b`, false}, {` "x" `, "x", false},
		{`"é/9j+"`, "é/9j+", false}, {`"\u00e9"`, "é", false}, {`"a\/b"`, "a/b", false}, {`""`, "", false},
		{`{"a":1}`, "", true}, {`[1]`, "", true},
	}
	for _, tc := range tests {
		var got Text
		err := json.Unmarshal([]byte(tc.in), &got)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("Text(%s) = %q, %v", tc.in, got, err)
		}
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		in    string
		want  float64
		valid bool
		err   bool
	}{
		{`36.8`, 36.8, true, false}, {`"36.8"`, 36.8, true, false}, {`" 37 "`, 37, true, false},
		{`""`, 0, false, false}, {`null`, 0, false, false}, {`"null"`, 0, false, false},
		{`"N/A"`, 0, false, false}, {`"--"`, 0, false, false}, {`"NaN"`, 0, false, false}, {`"Inf"`, 0, false, false},
		{`1176`, 1176, true, false}, {`"-1"`, -1, true, false},
		{`{}`, 0, false, true}, {`[36.8]`, 0, false, true},
	}
	for _, tc := range tests {
		var got Number
		err := json.Unmarshal([]byte(tc.in), &got)
		if (err != nil) != tc.err || got.Value != tc.want || got.Valid != tc.valid {
			t.Errorf("Number(%s) = %+v, %v", tc.in, got, err)
		}
	}
	if p := (Number{36.8, true}).Ptr(); p == nil || *p != 36.8 {
		t.Error("Ptr of a number")
	}
	if (Number{}).Ptr() != nil {
		t.Error("Ptr of no number")
	}
	b, _ := json.Marshal(struct{ A, B Number }{Number{36.8, true}, Number{}})
	if string(b) != `{"A":36.8,"B":null}` {
		t.Errorf("marshal = %s", b)
	}
}

func TestFlag(t *testing.T) {
	tests := []struct {
		in           string
		value, valid bool
		err          bool
	}{
		{`true`, true, true, false}, {`false`, false, true, false}, {`"true"`, true, true, false}, {`"FALSE"`, false, true, false},
		{`1`, true, true, false}, {`"0"`, false, true, false}, {`"yes"`, true, true, false}, {`"n"`, false, true, false},
		{`null`, false, false, false}, {`""`, false, false, false}, {`"unknown"`, false, false, false},
		{`{}`, false, false, true},
	}
	for _, tc := range tests {
		var got Flag
		err := json.Unmarshal([]byte(tc.in), &got)
		if (err != nil) != tc.err || got.Value != tc.value || got.Valid != tc.valid {
			t.Errorf("Flag(%s) = %+v, %v", tc.in, got, err)
		}
	}
	if p := (Flag{false, true}).Ptr(); p == nil || *p {
		t.Error("Ptr of false")
	}
	b, _ := json.Marshal(struct{ A, B Flag }{Flag{true, true}, Flag{}})
	if string(b) != `{"A":true,"B":null}` {
		t.Errorf("marshal = %s", b)
	}
}

// TestLooseCallbackKeepsPunch: a punch whose optional fields are unreadable is still a punch.
func TestLooseCallbackKeepsPunch(t *testing.T) {
	c, err := DecodeCallback([]byte(`{"RealTime":{"PunchLog":{"UserId":3,"Temperature":"--","FaceMask":"unknown","LogTime":"2024-01-01 08:00:00"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p := c.RealTime.PunchLog; p.UserID != "3" || p.Temperature.Valid || p.FaceMask.Valid {
		t.Errorf("punch = %+v", p)
	}
}
