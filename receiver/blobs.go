package receiver

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
)

// A photo callback is 100 KB of base64 in a few hundred bytes of JSON. Before decoding, the big base64
// values of LogPhoto and template Data are lifted out of the body: the JSON decoder then reads the small
// rest instead of scanning the photo twice, the shortened body is made from the small rest too, and the
// photo is decoded from base64 once.

// liftMin is the shortest value lifted.
const liftMin = 1024

// liftKeys are the keys whose values are lifted (matched as encoding/json matches them, ignoring case).
var liftKeys = []string{"LogPhoto", "Data"}

// blob is one lifted value.
type blob struct {
	raw  []byte // the base64 text as sent (part of the body)
	data []byte // decoded (standard alphabet)
}

// blobs are a body's lifted values. A placeholder names one: "\x1e" + the process's nonce + index; the
// nonce is random, so a device cannot send a string that reads as one.
type blobs struct {
	prefix string
	list   []blob
}

var blobNonce, blobNonceJSON = func() (string, string) {
	var b [8]byte
	rand.Read(b[:])
	n := "blob-" + hex.EncodeToString(b[:]) + "-"
	return "\x1e" + n, `\u001e` + n
}()

// lift returns body with the lifted values replaced: toDecode has placeholders, toShorten has "<N bytes>"
// as shorten writes a blob. With nothing to lift both are body itself.
func lift(body []byte) (toDecode, toShorten []byte, bs *blobs) {
	bs = &blobs{prefix: blobNonce}
	var dec, short []byte
	last := 0 // body[:last] is copied
	lastKey := []byte(nil)
	for i := 0; i < len(body); i++ {
		if body[i] != '"' {
			continue
		}
		end, escaped := jsonStringEnd(body, i)
		if end < 0 {
			break // unterminated: leave the rest to the decoder
		}
		raw := body[i+1 : end]
		if next := skipSpace(body, end+1); next < len(body) && body[next] == ':' {
			lastKey = raw
		} else if len(raw) >= liftMin && !escaped && isLiftKey(lastKey) && plainText(raw) {
			if data, err := base64.StdEncoding.DecodeString(string(raw)); err == nil {
				placeholder := `"` + blobNonceJSON + strconv.Itoa(len(bs.list)) + `"`
				dec = append(append(dec, body[last:i]...), placeholder...)
				short = append(append(short, body[last:i]...), `"<`+strconv.Itoa(len(data))+` bytes>"`...)
				last = end + 1
				bs.list = append(bs.list, blob{raw: raw, data: data})
			}
			lastKey = nil
		} else {
			lastKey = nil
		}
		i = end
	}
	if len(bs.list) == 0 {
		return body, body, bs
	}
	return append(dec, body[last:]...), append(short, body[last:]...), bs
}

// jsonStringEnd returns the index of the quote closing the string opened at i (-1 when none) and whether
// the string has escapes.
func jsonStringEnd(b []byte, i int) (int, bool) {
	escaped := false
	for j := i + 1; j < len(b); {
		q := bytes.IndexByte(b[j:], '"')
		if q < 0 {
			return -1, escaped
		}
		k := bytes.IndexByte(b[j:j+q], '\\')
		if k < 0 {
			return j + q, escaped
		}
		escaped = true
		j += k + 2 // the backslash and the character it escapes
	}
	return -1, escaped
}

// plainText reports whether raw has no line breaks, which JSON does not allow unescaped in a string but
// base64 decoding would skip.
func plainText(raw []byte) bool {
	return bytes.IndexByte(raw, '\n') < 0 && bytes.IndexByte(raw, '\r') < 0
}

func isLiftKey(key []byte) bool {
	for _, k := range liftKeys {
		if len(key) == len(k) && strings.EqualFold(string(key), k) {
			return true
		}
	}
	return false
}

// get returns the lifted value a decoded string names, or nil when it names none.
func (bs *blobs) get(s string) *blob {
	rest, ok := strings.CutPrefix(s, bs.prefix)
	if !ok {
		return nil
	}
	i, err := strconv.Atoi(rest)
	if err != nil || i < 0 || i >= len(bs.list) {
		return nil
	}
	return &bs.list[i]
}

// text returns s, or the text of the value it names.
func (bs *blobs) text(s string) string {
	if b := bs.get(s); b != nil {
		return string(b.raw)
	}
	return s
}
