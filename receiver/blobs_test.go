package receiver

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/camsdesk/camsdesk/device"
)

// TestLift: only long plain base64 values of LogPhoto and Data are lifted; the decoded callback reads
// them back as sent, and the shortened body is the one the whole body gives.
func TestLift(t *testing.T) {
	photo := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff, 0xd8, 0x01}, 700)) // 2800 chars
	short := base64.StdEncoding.EncodeToString([]byte("tiny"))
	tests := []struct {
		name  string
		body  string
		lifts int
	}{
		{"attendance photo", `{"RealTime":{"Log":{"UserID":"1","LogPhoto":"` + photo + `","LogTime":"2024-01-01 08:00:00 GMT +0000"},"AuthToken":"x"}}`, 1},
		{"key in other case", `{"RealTime":{"Log":{"UserID":"1","logphoto" : "` + photo + `"},"AuthToken":"x"}}`, 1},
		{"two templates", `{"RealTime":{"UserUpdated":{"UserID":"1","Template":[{"Type":"Face","Data":"` + photo + `"},{"Type":"Card","Data":"` + short + `"},{"Type":"Face","Data":"` + photo + `"}]}}}`, 2},
		{"short value", `{"RealTime":{"Log":{"UserID":"1","LogPhoto":"` + short + `"}}}`, 0},
		{"other key", `{"RealTime":{"Log":{"UserID":"1","Picture":"` + photo + `"}}}`, 0},
		{"escaped slash", `{"RealTime":{"Log":{"UserID":"1","LogPhoto":"` + strings.Replace(photo, "/", `\/`, 1) + `"}}}`, 0},
		{"raw line break", `{"RealTime":{"Log":{"UserID":"1","LogPhoto":"` + photo[:1500] + "\n" + photo[1500:] + `"}}}`, 0},
		{"not base64", `{"RealTime":{"Log":{"UserID":"1","LogPhoto":"` + strings.Repeat("*", 2000) + `"}}}`, 0},
		{"value in an array", `{"RealTime":{"Log":{"UserID":"1","LogPhoto":["` + photo + `"]}}}`, 1},
		{"unterminated", `{"RealTime":{"Log":{"UserID":"1","LogPhoto":"` + photo, 0},
		{"a key named like the value", `{"LogPhoto":{"` + photo + `":1}}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			dec, short, bs := lift(body)
			if len(bs.list) != tt.lifts {
				t.Fatalf("lifted %d values, want %d", len(bs.list), tt.lifts)
			}
			if got, want := shorten(short, true, nil), shorten(body, true, nil); got != want {
				t.Errorf("shortened\n%s\nwant\n%s", got, want)
			}
			cbLifted, errLifted := device.DecodeCallback(dec)
			cb, err := device.DecodeCallback(body)
			if (err == nil) != (errLifted == nil) {
				t.Fatalf("decode error %v with lifting, %v without", errLifted, err)
			}
			if err != nil {
				return
			}
			o := &outcome{blobs: bs}
			if rt := cb.RealTime; rt != nil && rt.Log != nil {
				if got := o.text(string(cbLifted.RealTime.Log.LogPhoto)); got != string(rt.Log.LogPhoto) {
					t.Errorf("LogPhoto reads back %.20q..., want %.20q...", got, rt.Log.LogPhoto)
				}
			}
			if rt := cb.RealTime; rt != nil && rt.UserUpdated != nil {
				for i, tp := range rt.UserUpdated.Template {
					if got := o.text(string(cbLifted.RealTime.UserUpdated.Template[i].Data)); got != string(tp.Data) {
						t.Errorf("template %d reads back %.20q..., want %.20q...", i, got, tp.Data)
					}
				}
			}
		})
	}
}

// TestLiftedPlaceholderCannotBeSent: a string shaped like a placeholder but without this process's
// nonce names nothing.
func TestLiftedPlaceholderCannotBeSent(t *testing.T) {
	photo := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1, 2, 3}, 500))
	_, _, bs := lift([]byte(`{"LogPhoto":"` + photo + `"}`))
	for _, s := range []string{"\x1eblob-0000000000000000-0", bs.prefix + "1", bs.prefix + "-1", bs.prefix + "x", "0"} {
		if b := bs.get(s); b != nil {
			t.Errorf("get(%q) named a value", s)
		}
	}
	if b := bs.get(bs.prefix + "0"); b == nil || string(b.raw) != photo {
		t.Error("the placeholder does not name the lifted value")
	}
}
