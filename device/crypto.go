package device

import (
	"bytes"
	"crypto/aes"
	"encoding/base64"
	"errors"
	"fmt"
)

// Encrypt seals a JSON body for a device with a security key: base64(AES-256-ECB(body)) with PKCS#7 padding,
// the 32-character key used directly as the AES key.
func Encrypt(body []byte, key string) (string, error) {
	block, err := aes.NewCipher([]byte(key))
	if err != nil || len(key) != 32 {
		return "", errors.New("device: the security key must be 32 characters")
	}
	pad := aes.BlockSize - len(body)%aes.BlockSize
	plain := append(append([]byte{}, body...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	out := make([]byte, len(plain))
	for i := 0; i < len(plain); i += aes.BlockSize {
		block.Encrypt(out[i:i+aes.BlockSize], plain[i:i+aes.BlockSize])
	}
	return base64.StdEncoding.EncodeToString(out), nil
}

// ErrNotEncrypted means the body is not base64 ciphertext.
var ErrNotEncrypted = errors.New("device: body is not an encrypted Cams envelope")

// Decrypt opens a base64(AES-256-ECB) body with key. It strips PKCS#7 padding, or failing that trailing
// zero and padding bytes, and checks that what remains is a JSON object.
func Decrypt(text []byte, key string) ([]byte, error) {
	if len(key) != 32 {
		return nil, errors.New("device: the security key must be 32 characters")
	}
	raw, err := base64.StdEncoding.DecodeString(string(bytes.TrimSpace(text)))
	if err != nil || len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, ErrNotEncrypted
	}
	block, _ := aes.NewCipher([]byte(key))
	plain := make([]byte, len(raw))
	for i := 0; i < len(raw); i += aes.BlockSize {
		block.Decrypt(plain[i:i+aes.BlockSize], raw[i:i+aes.BlockSize])
	}
	plain = unpad(plain)
	if t := bytes.TrimSpace(plain); len(t) == 0 || t[0] != '{' || t[len(t)-1] != '}' {
		return nil, fmt.Errorf("device: decrypting with this key gives no JSON: the key is wrong")
	}
	return plain, nil
}

func unpad(b []byte) []byte {
	if n := int(b[len(b)-1]); n >= 1 && n <= aes.BlockSize && n <= len(b) &&
		bytes.Equal(b[len(b)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return b[:len(b)-n]
	}
	return bytes.TrimRight(b, "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10 ")
}

// Open returns a callback or response body as plain JSON: as it is when it starts with '{', else decrypted
// with the first of keys that works.
func Open(body []byte, keys ...string) ([]byte, error) {
	t := bytes.TrimSpace(body)
	if len(t) > 0 && (t[0] == '{' || t[0] == '[') {
		return t, nil
	}
	var tried bool
	for _, k := range keys {
		if k == "" {
			continue
		}
		tried = true
		if plain, err := Decrypt(t, k); err == nil {
			return plain, nil
		}
	}
	if !tried {
		return nil, errors.New("device: body is not JSON and the device has no security key to decrypt it")
	}
	return nil, errors.New("device: body is not JSON and neither security key decrypts it")
}
