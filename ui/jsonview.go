package ui

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/camsdesk/camsdesk/device"
)

// blobMin is the length from which a base64-looking string is shown as "<N bytes>" in read-only views.
const blobMin = 64

// stampKeys are the authentication fields the client adds to every request; the editor leaves them out.
var stampKeys = map[string]bool{"OperationID": true, "AuthToken": true, "Time": true}

// jsonOptions say how prettyJSON writes a document.
type jsonOptions struct {
	shortenBlobs bool            // base64 blobs become "<N bytes>"
	dropTopKeys  map[string]bool // keys of the outer object to leave out
}

// prettyJSON re-indents a JSON document keeping its key order.
func prettyJSON(b []byte, opt jsonOptions) (string, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out strings.Builder
	if err := writeValue(dec, &out, opt, 0); err != nil {
		return "", err
	}
	if _, err := dec.Token(); err != io.EOF {
		return "", errors.New("more text after the end of the JSON value")
	}
	return out.String(), nil
}

func writeValue(dec *json.Decoder, out *strings.Builder, opt jsonOptions, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			return writeObject(dec, out, opt, depth)
		case '[':
			return writeArray(dec, out, opt, depth)
		}
		return fmt.Errorf("unexpected %q", v)
	case string:
		if opt.shortenBlobs && looksLikeBlob(v) {
			v = "<" + strconv.Itoa(base64Len(v)) + " bytes>"
		}
		writeString(out, v)
	case json.Number:
		out.WriteString(v.String())
	case bool:
		out.WriteString(strconv.FormatBool(v))
	case nil:
		out.WriteString("null")
	}
	return nil
}

func writeObject(dec *json.Decoder, out *strings.Builder, opt jsonOptions, depth int) error {
	out.WriteByte('{')
	n := 0
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		if depth == 0 && opt.dropTopKeys[key] {
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return err
			}
			continue
		}
		if n > 0 {
			out.WriteByte(',')
		}
		n++
		newline(out, depth+1)
		writeString(out, key)
		out.WriteString(": ")
		if err := writeValue(dec, out, opt, depth+1); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if n > 0 {
		newline(out, depth)
	}
	out.WriteByte('}')
	return nil
}

func writeArray(dec *json.Decoder, out *strings.Builder, opt jsonOptions, depth int) error {
	out.WriteByte('[')
	n := 0
	for dec.More() {
		if n > 0 {
			out.WriteByte(',')
		}
		n++
		newline(out, depth+1)
		if err := writeValue(dec, out, opt, depth+1); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return err
	}
	if n > 0 {
		newline(out, depth)
	}
	out.WriteByte(']')
	return nil
}

// writeString writes s as a JSON string, leaving <, > and & as they are.
func writeString(out *strings.Builder, s string) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	out.Write(bytes.TrimSuffix(b.Bytes(), []byte("\n")))
}

func newline(out *strings.Builder, depth int) {
	out.WriteByte('\n')
	out.WriteString(strings.Repeat("  ", depth))
}

// looksLikeBlob reports whether s is a long run of base64 characters (template data, photos).
func looksLikeBlob(s string) bool {
	if len(s) < blobMin {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			return false
		}
	}
	return true
}

// base64Len is the decoded size of a standard base64 text.
func base64Len(s string) int {
	n := len(s) / 4 * 3
	return n - strings.Count(s[max(0, len(s)-2):], "=")
}

// requestJSON is the editor's text of a request: indented, without the fields the client stamps.
func requestJSON(req device.Request) string {
	b, err := json.Marshal(req)
	if err != nil {
		return ""
	}
	s, err := prettyJSON(b, jsonOptions{dropTopKeys: stampKeys})
	if err != nil {
		return ""
	}
	return s
}

// answerJSON is a gateway answer or callback body for reading: indented, blobs shortened; text that is not
// JSON is returned as it is.
func answerJSON(b []byte) string {
	if len(bytes.TrimSpace(b)) == 0 {
		return "(empty)"
	}
	s, err := prettyJSON(b, jsonOptions{shortenBlobs: true})
	if err != nil {
		return string(b)
	}
	return s
}

// jsonProblem explains why text is not a JSON object, with the line and column of a syntax error.
func jsonProblem(text string) error {
	b := []byte(text)
	if len(bytes.TrimSpace(b)) == 0 {
		return errors.New("the request is empty; choose an operation to start from its sample")
	}
	var v any
	err := json.Unmarshal(b, &v)
	if err == nil {
		if _, ok := v.(map[string]any); !ok {
			return errors.New("the request must be one JSON object in { }")
		}
		return nil
	}
	var syn *json.SyntaxError
	if errors.As(err, &syn) && !strings.Contains(syn.Error(), "unexpected end") {
		line, col := position(b, int(syn.Offset)-1)
		return fmt.Errorf("line %d, column %d: %s", line, col, syn.Error())
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "unexpected end") {
		return errors.New("the JSON ends too early: a }, ] or \" is missing")
	}
	return err
}

func position(b []byte, off int) (line, col int) {
	off = min(max(off, 0), len(b))
	line = 1 + bytes.Count(b[:off], []byte("\n"))
	col = off - bytes.LastIndexByte(b[:off], '\n')
	return line, col
}
