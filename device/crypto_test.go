package device

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

const otherKey = "0ldK3y0ldK3y0ldK3y0ldK3y0ldK3y99"

func TestEncryptDecrypt(t *testing.T) {
	for _, body := range []string{`{}`, `{"a":"0123456789abcde"}`, `{"exactly":"sixteen bytes!!!"}`, `{"RealTime":{"x":"é"}}`} {
		sealed, err := Encrypt([]byte(body), fixtureKey)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decrypt([]byte(sealed), fixtureKey)
		if err != nil || string(got) != body {
			t.Errorf("round trip of %s = %q, %v", body, got, err)
		}
		if _, err := Decrypt([]byte(sealed), otherKey); err == nil {
			t.Errorf("%s opened with the wrong key", body)
		}
	}
}

// TestOpenFixtures opens bodies sealed by openssl: PKCS#7 padding, and zero padding in MIME-wrapped base64.
func TestOpenFixtures(t *testing.T) {
	for name, want := range map[string]string{
		"odd_encrypted_punch.txt":       "11_punch_log.json",
		"odd_encrypted_zero_padded.txt": "01_user_deleted.json",
	} {
		plain, err := Open(readFixture(t, name), otherKey, fixtureKey)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(bytes.TrimSpace(plain), bytes.TrimSpace(readFixture(t, want))) {
			t.Errorf("%s opened to %q", name, plain)
		}
	}
}

func TestOpen(t *testing.T) {
	sealed, _ := Encrypt([]byte(`{"k":1}`), otherKey)
	tests := []struct {
		name string
		body string
		keys []string
		want string
		err  string
	}{
		{"plain JSON passes", "  {\"k\":1}\n", nil, `{"k":1}`, ""},
		{"plain list passes", `[1]`, []string{fixtureKey}, `[1]`, ""},
		{"old key works", sealed, []string{fixtureKey, otherKey}, `{"k":1}`, ""},
		{"empty keys skipped", sealed, []string{"", otherKey}, `{"k":1}`, ""},
		{"no key", sealed, nil, "", "no security key"},
		{"wrong keys", sealed, []string{fixtureKey}, "", "neither security key"},
		{"not base64", "%%%", []string{fixtureKey}, "", "neither security key"},
		{"empty", "", []string{fixtureKey}, "", "neither security key"},
	}
	for _, tc := range tests {
		got, err := Open([]byte(tc.body), tc.keys...)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err = %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %q, %v", tc.name, got, err)
		}
	}
}

func TestDecryptErrors(t *testing.T) {
	if _, err := Decrypt([]byte("QUJD"), "short"); err == nil {
		t.Error("short key accepted")
	}
	if _, err := Encrypt([]byte("{}"), "short"); err == nil {
		t.Error("short key accepted")
	}
	for _, text := range []string{"", "not base64!", "QUJD" /* 3 bytes, not a block */} {
		if _, err := Decrypt([]byte(text), fixtureKey); !errors.Is(err, ErrNotEncrypted) {
			t.Errorf("Decrypt(%q) = %v, want ErrNotEncrypted", text, err)
		}
	}
	// A block that decrypts to something other than JSON means a wrong key, and says so without the key.
	sealed, _ := Encrypt([]byte("not json at all"), fixtureKey)
	_, err := Decrypt([]byte(sealed), fixtureKey)
	if err == nil || strings.Contains(err.Error(), fixtureKey) {
		t.Errorf("err = %v", err)
	}
}
