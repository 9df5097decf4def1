package device

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	fixtureToken = "A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6"
	fixtureKey   = "K3yK3yK3yK3yK3yK3yK3yK3yK3yK3y12" // sealed the .txt fixtures (openssl enc -aes-256-ecb)
)

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "callbacks", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeFixture(t *testing.T, name string) *Callback {
	t.Helper()
	body := readFixture(t, name)
	if strings.HasSuffix(name, ".txt") {
		var err error
		if body, err = Open(body, fixtureKey); err != nil {
			t.Fatal(err)
		}
	}
	c, err := DecodeCallback(body)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestCallbackSamples decodes every callback sample of the spec and every odd form of the protocol notes.
func TestCallbackSamples(t *testing.T) {
	tests := []struct {
		file   string
		kinds  string
		opID   string
		serial string
		label  string
		check  func(t *testing.T, c *Callback)
	}{
		{"01_user_deleted.json", "UserDeleted", "u8k2j4h6g1f3d", "", "", func(t *testing.T, c *Callback) {
			if d := c.RealTime.UserDeleted; d.UserID != "1" || d.OperationTime != "2020-09-17 07:48:20 GMT +0530" {
				t.Errorf("UserDeleted = %+v", d)
			}
		}},
		{"02_date_modified.json", "DateModified", "q1w2e3r4t5y6u", "", "", func(t *testing.T, c *Callback) {
			if d := c.RealTime.DateModified; d.ModifiedTo != "2020-09-18 09:00:00 GMT +0530" {
				t.Errorf("DateModified = %+v", d)
			}
		}},
		{"03_user_updated_card.json", "UserUpdated", "a1s2d3f4g5h6j", "CAMS-SN-0001", "Main Gate", func(t *testing.T, c *Callback) {
			u := c.RealTime.UserUpdated
			if u.UserID != "3" || u.FirstName != "Asha" || u.LastName != "Rao" || u.UserType != "User" || len(u.Template) != 1 {
				t.Fatalf("UserUpdated = %+v", u)
			}
			tp := u.Template[0]
			if typ, idx := tp.Key(); typ != Card || idx != "" || tp.Data != "4100123456" || tp.Size.Valid {
				t.Errorf("card = %+v (key %s/%s)", tp, typ, idx)
			}
		}},
		{"04_user_updated_password.json", "UserUpdated", "z1x2c3v4b5n6m", "CAMS-SN-0001", "Main Gate", func(t *testing.T, c *Callback) {
			if tp := c.RealTime.UserUpdated.Template[0]; tp.Type != Password || tp.Data != "4821" {
				t.Errorf("password = %+v", tp)
			}
		}},
		{"05_user_updated_fingerprint.json", "UserUpdated", "p0o9i8u7y6t5r", "CAMS-SN-0001", "Main Gate", func(t *testing.T, c *Callback) {
			tp := c.RealTime.UserUpdated.Template[0]
			if typ, idx := tp.Key(); typ != Fingerprint || idx != "0" || tp.Size.Int() != 1176 {
				t.Errorf("fingerprint = %+v", tp)
			}
		}},
		{"06_user_updated_face.json", "UserUpdated", "l1k2j3h4g5f6d", "CAMS-SN-0001", "Main Gate", func(t *testing.T, c *Callback) {
			if tp := c.RealTime.UserUpdated.Template[0]; tp.Type != Face || !strings.HasPrefix(string(tp.Data), "/9j/") {
				t.Errorf("face = %+v", tp)
			}
		}},
		{"07_user_updated_palm.json", "UserUpdated", "m1n2b3v4c5x6z", "CAMS-SN-0001", "Main Gate", func(t *testing.T, c *Callback) {
			tp := c.RealTime.UserUpdated.Template[0]
			if typ, idx := tp.Key(); typ != Palm || idx != "1" || tp.Size.Valid {
				t.Errorf("palm = %+v", tp)
			}
		}},
		{"08_user_updated_userphoto.json", "UserUpdated", "r5t6y7u8i9o0p", "CAMS-SN-0001", "Main Gate", func(t *testing.T, c *Callback) {
			if typ, idx := c.RealTime.UserUpdated.Template[0].Key(); typ != UserPhoto || idx != "" {
				t.Errorf("user photo key = %s/%s", typ, idx)
			}
		}},
		{"09_user_updated_without_template.json", "UserUpdated", "w3e4r5t6y7u8i", "CAMS-SN-0001", "Main Gate", func(t *testing.T, c *Callback) {
			if u := c.RealTime.UserUpdated; u.UserID != "4" || len(u.Template) != 0 {
				t.Errorf("UserUpdated = %+v", u)
			}
		}},
		{"10_attendance_photo.json", "Log", "h7g6f5d4s3a2q", "", "", func(t *testing.T, c *Callback) {
			if l := c.RealTime.Log; l.UserID != "3" || !strings.HasPrefix(string(l.LogPhoto), "/9j/") || l.LogTime != "2020-09-17 07:48:22 GMT +0530" {
				t.Errorf("Log = %+v", l)
			}
		}},
		{"10_attendance_photo_empty.json", "Log", "h7g6f5d4s3a2w", "", "", func(t *testing.T, c *Callback) {
			if l := c.RealTime.Log; l.LogPhoto != "" {
				t.Errorf("Log = %+v", l)
			}
		}},
		{"11_punch_log.json", "PunchLog", "k9j8h7g6f5d4s", "CAMS-SN-0001", "Main Gate", func(t *testing.T, c *Callback) {
			p := c.RealTime.PunchLog
			// The real-time punch spells UserId.
			if p.UserID != "2" || p.Type != "CheckIn" || p.InputType != "Fingerprint" || p.Temperature != (Number{36.8, true}) ||
				p.FaceMask != (Flag{false, true}) || p.LogTime != "2020-09-17 07:48:22 GMT +0530" {
				t.Errorf("PunchLog = %+v", p)
			}
		}},
		{"odd_batch_resend.json", "PunchLogBatch", "b4t5c6h7r8e9s", "", "", func(t *testing.T, c *Callback) {
			b := c.PunchLog
			if b.ReturnRowCount.Int() != 2 || len(b.Log) != 2 || b.Log[0].UserID != "EMP-0001" {
				t.Fatalf("batch = %+v", b)
			}
			if p := b.Log[1]; p.Temperature != (Number{36.6, true}) || p.FaceMask != (Flag{true, true}) || p.InputType != "Face" {
				t.Errorf("second punch = %+v", p)
			}
		}},
		{"odd_load_userinfo.json", "UserInfo,PunchLogBatch", "", "", "", func(t *testing.T, c *Callback) {
			l := c.Load
			if len(l.UserInfo) != 2 || l.UserInfo[1].UserID != "6" || len(l.PunchLog) != 1 {
				t.Fatalf("Load = %+v", l)
			}
			tp := l.UserInfo[1].Template[0]
			if typ, idx := tp.Key(); typ != Fingerprint || idx != "2" || tp.Size.Int() != 1176 {
				t.Errorf("FingerPrint template = %+v (key %s/%s)", tp, typ, idx)
			}
			if c.Token() != fixtureToken {
				t.Error("top-level AuthToken not read")
			}
		}},
		{"odd_several_subkeys.json", "PunchLog,Log", "m2u3l4t5i6k7e", "CAMS-SN-0001", "Main Gate", func(t *testing.T, c *Callback) {
			if c.RealTime.PunchLog.FaceMask != (Flag{true, true}) || c.RealTime.Log.UserID != "3" {
				t.Errorf("RealTime = %+v", c.RealTime)
			}
		}},
		{"odd_loose_types.json", "PunchLog", "n1u2m3b4e5r6s", "CAMS-SN-0001", "Main Gate", func(t *testing.T, c *Callback) {
			p := c.RealTime.PunchLog
			if p.UserID != "7" || p.Type != "MealStart" || p.InputType != "Vein" || p.Temperature.Valid || p.FaceMask.Valid || c.RealTime.Time != "" {
				t.Errorf("PunchLog = %+v, Time %q", p, c.RealTime.Time)
			}
		}},
		{"odd_encrypted_punch.txt", "PunchLog", "k9j8h7g6f5d4s", "CAMS-SN-0001", "Main Gate", func(t *testing.T, c *Callback) {
			if c.RealTime.PunchLog.UserID != "2" {
				t.Errorf("PunchLog = %+v", c.RealTime.PunchLog)
			}
		}},
		{"odd_encrypted_zero_padded.txt", "UserDeleted", "u8k2j4h6g1f3d", "", "", func(t *testing.T, c *Callback) {
			if c.RealTime.UserDeleted.UserID != "1" {
				t.Errorf("UserDeleted = %+v", c.RealTime.UserDeleted)
			}
		}},
	}
	seen := map[string]bool{}
	for _, tc := range tests {
		seen[tc.file] = true
		t.Run(tc.file, func(t *testing.T) {
			c := decodeFixture(t, tc.file)
			if got := strings.Join(c.Kinds(), ","); got != tc.kinds {
				t.Errorf("kinds = %s, want %s", got, tc.kinds)
			}
			op, serial, label := c.Envelope()
			if op != tc.opID || serial != tc.serial || label != tc.label {
				t.Errorf("envelope = %q %q %q", op, serial, label)
			}
			if c.Token() != fixtureToken {
				t.Errorf("token = %q", c.Token())
			}
			tc.check(t, c)
		})
	}
	entries, _ := os.ReadDir(filepath.Join("testdata", "callbacks"))
	for _, e := range entries {
		if !seen[e.Name()] {
			t.Errorf("fixture %s has no test", e.Name())
		}
	}
}

func TestDecodeCallbackErrors(t *testing.T) {
	tests := []struct {
		name, body string
		unknown    bool
	}{
		{"empty", "", false},
		{"not JSON", "hello", false},
		{"truncated", `{"RealTime":{"PunchLog":{`, false},
		{"list", `[]`, false},
		{"no known key", `{"Hello":1}`, true},
		{"RealTime without events", `{"RealTime":{"AuthToken":"x"}}`, true},
		{"null RealTime", `{"RealTime":null}`, true},
		{"empty Load", `{"Load":{}}`, true},
		{"UserID as object", `{"RealTime":{"PunchLog":{"UserId":{"a":1}}}}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := DecodeCallback([]byte(tc.body))
			if err == nil || c != nil {
				t.Fatalf("DecodeCallback(%q) = %v, %v; want an error", tc.body, c, err)
			}
			if errors.Is(err, ErrUnknownShape) != tc.unknown {
				t.Errorf("err = %v, unknown shape %v", err, tc.unknown)
			}
		})
	}
}

func TestKindsBothBatches(t *testing.T) {
	c, err := DecodeCallback([]byte(`{"PunchLog":{"Log":[]},"Load":{"PunchLog":[{"UserID":"1"}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Kinds(), ","); got != KindBatch {
		t.Errorf("kinds = %s", got)
	}
}

func TestPunchLogsShapes(t *testing.T) {
	for _, body := range []string{
		`{"Load":{"PunchLog":[{"UserID":"1"},{"UserID":"2"}]}}`,
		`{"Load":{"PunchLog":{"ReturnRowCount":"2","Log":[{"UserID":"1"},{"UserID":"2"}]}}}`,
	} {
		c, err := DecodeCallback([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Load.PunchLog) != 2 || c.Load.PunchLog[1].UserID != "2" {
			t.Errorf("%s: %+v", body, c.Load.PunchLog)
		}
	}
}

func TestTemplateKeys(t *testing.T) {
	tests := []struct {
		typ, index     string
		wantT, wantIdx string
	}{
		{"Fingerprint", "3", Fingerprint, "3"},
		{"FingerPrint", "", Fingerprint, "0"},
		{"FACE", " 1 ", Face, "1"},
		{"palm", "2", Palm, "2"},
		{"Card", "5", Card, ""},
		{"password", "", Password, ""},
		{"Userphoto", "9", UserPhoto, ""},
		{" Vein ", "1", "Vein", "1"},
	}
	for _, tc := range tests {
		typ, idx := Template{Type: Text(tc.typ), Index: Text(tc.index)}.Key()
		if typ != tc.wantT || idx != tc.wantIdx {
			t.Errorf("Key(%q, %q) = %q, %q; want %q, %q", tc.typ, tc.index, typ, idx, tc.wantT, tc.wantIdx)
		}
	}
}

func TestTokenPrefersRealTime(t *testing.T) {
	c, err := DecodeCallback([]byte(`{"RealTime":{"AuthToken":"inner","PunchLog":{}},"AuthToken":"outer","SerialNumber":"S1"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Token() != "inner" {
		t.Errorf("token = %q", c.Token())
	}
	if _, serial, _ := c.Envelope(); serial != "S1" {
		t.Errorf("serial = %q", serial)
	}
}
