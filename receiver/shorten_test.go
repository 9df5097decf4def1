package receiver

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/camsdesk/camsdesk/device"
)

func TestShorten(t *testing.T) {
	blob := strings.Repeat("QUJD", 40) // 160 base64 characters, 120 bytes
	tests := []struct {
		name  string
		in    string
		valid bool
		want  string
	}{
		{"token removed", `{"RealTime": {"AuthToken": "` + testToken + `", "UserId": "2"}}`, true,
			`{"RealTime":{"AuthToken":"<removed>","UserId":"2"}}`},
		{"token any case and as a number", `{"authtoken":12345,"SecurityKey":null}`, true,
			`{"authtoken":"<removed>","SecurityKey":"<removed>"}`},
		{"blob replaced", `{"LogPhoto":"` + blob + `"}`, true, `{"LogPhoto":"<120 bytes>"}`},
		{"escaped slashes in a blob", `{"Data":"` + strings.Repeat(`\/9j\/`, 20) + `"}`, true, `{"Data":"<60 bytes>"}`},
		{"short values kept", `{"Data":"4821","Size":"1176"}`, true, `{"Data":"4821","Size":"1176"}`},
		{"long text cut", `{"FirstName":"` + strings.Repeat("é", 200) + `"}`, true,
			`{"FirstName":"` + strings.Repeat("é", 128) + `…"}`},
		{"not JSON", "yF1+GT6e7otPU8Lh3CvtFqK", false, "<23 bytes, not JSON>"},
		{"malformed keeps no token-like run", `{"AuthToken" "` + testToken + `"`, false, `{"AuthToken""<hidden>"`},
		{"empty", "", false, ""},
		{"token under another key", `{"RealTime":{"":"` + testToken + `"}}`, true, `{"RealTime":{"":"<hidden>"}}`},
		{"token as a key", `{"` + testToken + `":1}`, true, `{"<hidden>":1}`},
		{"token inside text", `{"Note":"sent by x` + testToken + `y, ok"}`, true, `{"Note":"sent by <hidden>, ok"}`},
		{"token as a number", `{"N":12345678901234567890123456789012345}`, true, `{"N":"<hidden>"}`},
		{"short runs kept", `{"OperationID":"1f0c2a9e-5b7d-4c1e-9a3f-2d6b8e0f4a17"}`, true,
			`{"OperationID":"1f0c2a9e-5b7d-4c1e-9a3f-2d6b8e0f4a17"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := shorten([]byte(tc.in), tc.valid, nil)
			if got != tc.want {
				t.Errorf("shorten = %s\nwant      %s", got, tc.want)
			}
			if tc.valid && !strings.HasSuffix(got, "…\"}") && !json.Valid([]byte(got)) {
				t.Errorf("shortened valid JSON is not JSON: %s", got)
			}
		})
	}
}

func TestShortenHidesKnownSecrets(t *testing.T) {
	key := "k3y/with+symbols=and-32-chars.ok"
	known := []device.Profile{{AuthToken: testToken, SecurityKey: key}}
	got := shorten([]byte(`{"Text":"key `+key+` here","Other":"`+strings.Repeat("é", 200)+key+`"}`), true, known)
	if strings.Contains(got, key) || !strings.Contains(got, `"key <hidden> here"`) {
		t.Errorf("security key kept: %s", got)
	}
}

func TestDecodeJPEG(t *testing.T) {
	jpg := jpegBase64(t)
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"standard", jpg, true},
		{"no padding", strings.TrimRight(jpg, "="), true},
		{"line breaks", jpg[:40] + "\r\n" + jpg[40:], true},
		{"data URL", "data:image/jpeg;base64," + jpg, true},
		{"url alphabet", strings.NewReplacer("+", "-", "/", "_").Replace(jpg), true},
		{"garbage", "@@@", false},
		{"PNG", "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==", false},
		{"JPEG magic only", "/9j/4AAQ", false},
	}
	for _, tc := range tests {
		_, err := decodeJPEG(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err = %v", tc.name, err)
		}
	}
}

func jpegBase64(t *testing.T) string {
	t.Helper()
	var v struct {
		RealTime struct{ Log struct{ LogPhoto string } }
	}
	if err := json.Unmarshal(fixture(t, "10_attendance_photo.json"), &v); err != nil {
		t.Fatal(err)
	}
	return v.RealTime.Log.LogPhoto
}

func TestShortenUnterminated(t *testing.T) {
	for _, body := range []string{`{"`, `{"a`, `{"AuthToken":"abc`, `["x\`} {
		got := shorten([]byte(body), false, nil)
		if got == "" {
			t.Errorf("shorten(%q) is empty", body)
		}
	}
}
