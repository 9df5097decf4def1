package device

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Text accepts a JSON string, number, bool or null and keeps it as text: devices send "3" and 3 alike.
type Text string

func (t *Text) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*t = ""
	case len(b) > 1 && b[0] == '"':
		// A plain string (no escapes; photos are 100 KB of base64) is taken as it is, not scanned again.
		if in := b[1 : len(b)-1]; b[len(b)-1] == '"' && bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) && noControl(in) {
			*t = Text(in)
			return nil
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Text(s)
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return fmt.Errorf("expected text, got %s", kindOf(b))
	default:
		*t = Text(b)
	}
	return nil
}

func (t Text) String() string { return string(t) }

func noControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '"' {
			return false
		}
	}
	return true
}

// Number accepts 36.8, "36.8", "" or null. Valid is false when no finite number was given.
type Number struct {
	Value float64
	Valid bool
}

func (n *Number) UnmarshalJSON(b []byte) error {
	var t Text
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	s := strings.TrimSpace(string(t))
	if s == "" || strings.EqualFold(s, "null") {
		*n = Number{}
		return nil
	}
	// Devices write "", "N/A" or "--" where they have no reading: that is no number, not a broken callback.
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		*n = Number{}
		return nil
	}
	*n = Number{v, true}
	return nil
}

func (n Number) MarshalJSON() ([]byte, error) {
	if !n.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(n.Value)
}

// Ptr returns the value or nil.
func (n Number) Ptr() *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Value
	return &v
}

// Int returns the number as an int, 0 when absent.
func (n Number) Int() int { return int(n.Value) }

// Flag accepts true, "true", 1, "1", "yes" and their opposites, or null; anything else is not Valid.
type Flag struct {
	Value bool
	Valid bool
}

func (f *Flag) UnmarshalJSON(b []byte) error {
	var t Text
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(string(t))) {
	case "":
		*f = Flag{}
	case "true", "1", "yes", "y":
		*f = Flag{true, true}
	case "false", "0", "no", "n":
		*f = Flag{false, true}
	default:
		*f = Flag{} // an unknown word is no answer, not a broken callback
	}
	return nil
}

func (f Flag) MarshalJSON() ([]byte, error) {
	if !f.Valid {
		return []byte("null"), nil
	}
	return json.Marshal(f.Value)
}

// Ptr returns the value or nil.
func (f Flag) Ptr() *bool {
	if !f.Valid {
		return nil
	}
	v := f.Value
	return &v
}

func kindOf(b []byte) string {
	switch b[0] {
	case '{':
		return "an object"
	case '[':
		return "a list"
	}
	return "a value"
}
