package receiver

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/camsdesk/camsdesk/device"
)

// Limits of the shortened body kept in the callbacks table.
const (
	shortBodyMax  = 16 << 10 // whole body
	shortStrMax   = 256      // one string value that is not a blob
	blobMinLength = 64       // base64 strings at least this long become "<N bytes>"
)

// secretKeys are object keys whose values never leave the receiver.
var secretKeys = []string{"AuthToken", "SecurityKey", "OldSecurityKey", "Token", "callback_auth_token", "auth_token"}

// shorten returns body as compact JSON with secret values replaced by "<removed>" and base64 blobs by
// "<N bytes>". It copes with malformed input: strings and keys are recognised by their quotes. Wherever
// they stand, the secrets of the known devices and every token-like run are hidden.
func shorten(body []byte, valid bool, known []device.Profile) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	if body[0] != '{' && body[0] != '[' {
		return "<" + strconv.Itoa(len(body)) + " bytes, not JSON>"
	}
	var out strings.Builder
	out.Grow(min(len(body), shortBodyMax) + 16)
	secretNext := false
	for i := 0; i < len(body) && out.Len() < shortBodyMax; {
		c := body[i]
		switch {
		case c == '"':
			end := stringEnd(body, i)
			raw := body[i+1 : end]
			next := skipSpace(body, end+1)
			isKey := next < len(body) && body[next] == ':'
			switch {
			case isKey:
				writeString(&out, raw, known)
				secretNext = isSecretKey(raw)
			case secretNext:
				out.WriteString(`"<removed>"`)
				secretNext = false
			default:
				writeValue(&out, raw, known)
			}
			i = end + 1
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == ':':
			out.WriteByte(c)
			i++
		case c == '{' || c == '[' || c == '}' || c == ']' || c == ',':
			secretNext = false
			out.WriteByte(c)
			i++
		default:
			// A number or literal; a secret or a token-length run of digits is hidden.
			j := i
			for j < len(body) && !strings.ContainsRune(",:{}[] \t\r\n\"", rune(body[j])) {
				j++
			}
			switch {
			case secretNext:
				out.WriteString(`"<removed>"`)
			case j-i >= device.TokenLength:
				out.WriteString(`"` + hidden + `"`)
			default:
				out.Write(body[i:j])
			}
			secretNext = false
			i = j
		}
	}
	s := out.String()
	if len(s) >= shortBodyMax {
		s = truncateUTF8(s, shortBodyMax) + "…"
	}
	s = hideTokenRuns(s)
	if !valid {
		s = hideKnown(s, known)
		if len(s) > 2048 {
			s = truncateUTF8(s, 2048) + "…"
		}
	}
	return s
}

// hideSecrets hides the known devices' secrets and every token-like run in s.
func hideSecrets(s string, known []device.Profile) string {
	return hideTokenRuns(hideKnown(s, known))
}

// hideKnown replaces the tokens and keys of the known devices in s by "<hidden>".
func hideKnown(s string, known []device.Profile) string {
	if len(s) < device.TokenLength {
		return s
	}
	for _, p := range known {
		for _, secret := range []string{p.AuthToken, p.CallbackAuthToken, p.SecurityKey, p.OldSecurityKey} {
			if len(secret) >= 8 && strings.Contains(s, secret) {
				s = strings.ReplaceAll(s, secret, hidden)
			}
		}
	}
	return s
}

// hideTokenRuns replaces every run of device.TokenLength or more letters and digits, the shape of an auth
// token, by "<hidden>".
func hideTokenRuns(s string) string {
	var out strings.Builder
	done, run := 0, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isAlnum(s[i]) {
			run++
			continue
		}
		if run >= device.TokenLength {
			out.WriteString(s[done : i-run])
			out.WriteString(hidden)
			done = i
		}
		run = 0
	}
	if done == 0 {
		return s
	}
	out.WriteString(s[done:])
	return out.String()
}

const hidden = "<hidden>"

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// stringEnd returns the index of the quote closing the string opened at i, or len(b) when unterminated.
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return len(b) // unterminated: the string runs to the end
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n') {
		i++
	}
	return i
}

func isSecretKey(raw []byte) bool {
	for _, k := range secretKeys {
		if len(raw) == len(k) && strings.EqualFold(string(raw), k) {
			return true
		}
	}
	return false
}

// writeValue writes a string value, as "<N bytes>" when it is a base64 blob, cut when it is long text.
func writeValue(out *strings.Builder, raw []byte, known []device.Profile) {
	if n, ok := blobSize(raw); ok {
		out.WriteString(`"<` + strconv.Itoa(n) + ` bytes>"`)
		return
	}
	if len(raw) > shortStrMax {
		cut := truncateUTF8(hideKnown(string(raw), known), shortStrMax)
		// Do not end inside an escape sequence.
		if k := strings.LastIndexByte(cut, '\\'); k >= len(cut)-6 && k >= 0 {
			cut = cut[:k]
		}
		out.WriteString(`"` + cut + `…"`)
		return
	}
	writeString(out, raw, known)
}

// writeString writes raw (JSON string content) in quotes, the known secrets hidden.
func writeString(out *strings.Builder, raw []byte, known []device.Profile) {
	out.WriteByte('"')
	if len(raw) >= device.TokenLength {
		out.WriteString(hideKnown(string(raw), known))
	} else {
		out.Write(raw)
	}
	out.WriteByte('"')
}

// blobSize reports whether raw (JSON string content) is base64 of at least blobMinLength characters, and
// the number of bytes it encodes. JSON's escaped slash (\/) and line breaks (\n, \r) are allowed.
func blobSize(raw []byte) (int, bool) {
	if len(raw) < blobMinLength {
		return 0, false
	}
	if i := bytes.Index(raw, []byte(";base64,")); i >= 0 && i < 64 && bytes.HasPrefix(raw, []byte("data:")) {
		raw = raw[i+len(";base64,"):]
	}
	chars, pad := 0, 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case base64Char[c]:
			if pad > 0 {
				return 0, false
			}
			chars++
		case c == '=':
			pad++
		case c == '\\' && i+1 < len(raw) && (raw[i+1] == '/' || raw[i+1] == 'n' || raw[i+1] == 'r'):
			if raw[i+1] == '/' {
				chars++
			}
			i++
		default:
			return 0, false
		}
	}
	if chars < blobMinLength {
		return 0, false
	}
	return chars * 3 / 4, true
}

// base64Char marks the characters of both base64 alphabets.
var base64Char = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_") {
		t[c] = true
	}
	return t
}()

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
