package receiver

import (
	"bytes"
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
)

var logPhoto = regexp.MustCompile(`"LogPhoto":"[^"]*"`)

// TestBadInputs: every bad callback is answered 200 {"status":"done"}, stores nothing but its journal row
// (rejected, with a reason), and leaks no token.
func TestBadInputs(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		punch := string(fixture(t, "11_punch_log.json"))
		photo := string(fixture(t, "10_attendance_photo.json"))
		tests := []struct {
			name        string
			contentType string
			query       string
			body        []byte
			reason      string // contained in the journal row's reason
		}{
			{"malformed JSON", "application/json", "", []byte(`{"RealTime":{"PunchLog":`), "not valid JSON"},
			{"empty body", "application/json", "", nil, "empty body"},
			{"not JSON, no key", "text/plain", "", []byte("hello gateway"), "not JSON"},
			{"unknown shape", "application/json", "", []byte(`{"Hello":{"AuthToken":"` + testToken + `"}}`), "not a known callback shape"},
			{"RealTime without events", "application/json", "", []byte(`{"RealTime":{"AuthToken":"` + testToken + `"}}`), "not a known callback shape"},
			{"JSON list", "application/json", "", []byte(`[1,2,3]`), "not valid JSON"},
			{"missing token", "application/json", "stgid=" + mainSTGID, []byte(strings.Replace(punch, `"AuthToken":"`+testToken+`",`, "", 1)), "missing AuthToken"},
			{"wrong token", "application/json", "stgid=" + mainSTGID, []byte(strings.Replace(punch, testToken, otherToken, 1)), "wrong AuthToken"},
			{"token of another device", "application/json", "stgid=" + sealedSTGID + "x", []byte(punch), "unknown service tag id"},
			{"unknown device", "application/json", "", []byte(strings.Replace(punch, testToken, "NOSUCHTOKENNOSUCHTOKENNOSUCHTOK1", 1)), "unknown device"},
			{"bad LogTime", "application/json", "", []byte(strings.Replace(punch, "2020-09-17 07:48:22 GMT +0530", "yesterday", 1)), "LogTime"},
			{"no UserId", "application/json", "", []byte(strings.Replace(punch, `"UserId":"2",`, "", 1)), "no UserID"},
			{"photo not base64", "application/json", "stgid=" + mainSTGID, []byte(strings.Replace(photo, `"LogPhoto":"/9j/`, `"LogPhoto":"@@not base64@@/9j/`, 1)), "not base64"},
			{"photo not JPEG", "application/json", "stgid=" + mainSTGID, []byte(logPhoto.ReplaceAllString(photo, `"LogPhoto":"`+base64.StdEncoding.EncodeToString(append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...))+`"`)), "not a JPEG"},
			{"photo JPEG header only", "application/json", "stgid=" + mainSTGID, []byte(logPhoto.ReplaceAllString(photo, `"LogPhoto":"/9j/4AAQ"`)), "not a JPEG"},
			{"nested token as number", "application/json", "stgid=" + mainSTGID, []byte(strings.Replace(punch, `"`+testToken+`"`, "12345", 1)), "wrong AuthToken"},
			{"binary", "application/octet-stream", "", []byte{0, 1, 2, 0xff, '{'}, "not JSON"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				g := newRig(t, datatest.New(t, db.Name))
				g.mu.Lock()
				g.profiles = g.profiles[:1]
				g.mu.Unlock()
				g.postAs(tc.contentType, tc.query, tc.body)
				cb := g.lastCallback()
				if cb.Result != data.ResultRejected || !strings.Contains(cb.Reason, tc.reason) {
					t.Errorf("journal row = result %q reason %q, want rejected with %q", cb.Result, cb.Reason, tc.reason)
				}
				if n := g.countPunches(); n != 0 {
					t.Errorf("%d punches stored", n)
				}
				if users, _ := g.store.Users(context.Background(), data.UserFilter{IncludeDeleted: true}); len(users) != 0 {
					t.Errorf("users stored: %+v", users)
				}
				if files := photoFiles(t, g.dir); len(files) != 0 {
					t.Errorf("photo files: %v", files)
				}
				noSecrets(t, g, cb)
				if log := g.callbackLog(); !strings.Contains(log, "result=rejected") {
					t.Errorf("callback log = %q", log)
				}
			})
		}
	})
}

// noSecrets checks that no token or key is in the journal row, the callback log or the program log.
func noSecrets(t *testing.T, g *rig, cb data.Callback) {
	t.Helper()
	for where, text := range map[string]string{"row body": cb.Body, "row reason": cb.Reason,
		"callback log": g.callbackLog(), "program log": g.logs.String()} {
		for _, secret := range []string{testToken, otherToken, testKey, testOldKey} {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains a secret: %s", where, text)
			}
		}
	}
}

// TestContentTypeIgnored stores a valid callback whatever content type it claims.
func TestContentTypeIgnored(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		for i, ct := range []string{"application/x-www-form-urlencoded", "text/plain", ""} {
			body := strings.Replace(string(fixture(t, "11_punch_log.json")), "07:48:22", "07:48:2"+string(rune('0'+i)), 1)
			g.postAs(ct, "stgid="+mainSTGID, []byte(body))
		}
		if n := g.countPunches(); n != 3 {
			t.Errorf("%d punches, want 3", n)
		}
	})
}

func TestBodyOverLimit(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		big := bytes.Repeat([]byte("a"), MaxBody+1)
		g.postAs("application/json", "stgid="+mainSTGID, big)
		cb := g.lastCallback()
		if cb.Result != data.ResultRejected || !strings.Contains(cb.Reason, "over 16 MiB") || cb.Body != "" {
			t.Errorf("journal row = %+v", cb)
		}
		if !strings.Contains(g.logs.String(), "over the limit") {
			t.Errorf("program log does not say so: %s", g.logs.String())
		}
		// Exactly the limit is read (and here rejected as not JSON).
		g.postAs("application/json", "stgid="+mainSTGID, big[:MaxBody])
		if cb := g.lastCallback(); strings.Contains(cb.Reason, "over 16 MiB") {
			t.Errorf("a body of exactly 16 MiB was refused: %+v", cb)
		}
		// Chunked (no Content-Length) over the limit.
		req, _ := http.NewRequest(http.MethodPost, g.srv.URL+"/callback", struct{ *bytes.Reader }{bytes.NewReader(big)})
		req.ContentLength = -1
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		checkDone(t, resp)
		if cb := g.lastCallback(); !strings.Contains(cb.Reason, "over 16 MiB") {
			t.Errorf("chunked body over the limit: %+v", cb)
		}
	})
}

// TestOtherMethods answers done to a GET or PUT on /callback without storing anything.
func TestOtherMethods(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		for _, m := range []string{http.MethodGet, http.MethodPut, http.MethodHead + "x"} {
			req, _ := http.NewRequest(m, g.srv.URL+"/callback?stgid="+mainSTGID, strings.NewReader("{}"))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			checkDone(t, resp)
		}
		if cbs := g.callbacks(); len(cbs) != 0 {
			t.Errorf("journal rows: %+v", cbs)
		}
		resp, err := http.Get(g.srv.URL + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("healthz = %d", resp.StatusCode)
		}
	})
}

// TestBrokenConnection: a gateway that hangs up mid-body still gets its partial body journaled as rejected,
// and the receiver goes on.
func TestBrokenConnection(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		conn, err := net.Dial("tcp", strings.TrimPrefix(g.srv.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		conn.Write([]byte("POST /callback HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"RealTime\":"))
		conn.Close()
		deadline := time.Now().Add(5 * time.Second)
		for len(g.callbacks()) == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if cb := g.lastCallback(); cb.Result != data.ResultRejected {
			t.Errorf("journal row = %+v", cb)
		}
		g.post("", fixture(t, "11_punch_log.json"))
		if n := g.countPunches(); n != 1 {
			t.Errorf("%d punches after a broken connection, want 1", n)
		}
	})
}

// TestPhotoNamesStayInside: user ids that look like paths never write outside photos/.
func TestPhotoNamesStayInside(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		photo := string(fixture(t, "10_attendance_photo.json"))
		face := string(fixture(t, "06_user_updated_face.json"))
		for _, user := range []string{"../../x", "a/b", `..\..\evil`, "/etc/passwd", ".", "..", "", "\x00nul", "C:\\x", strings.Repeat("u", 300)} {
			t.Run(user, func(t *testing.T) {
				g := newRig(t, datatest.New(t, db.Name))
				q, _ := jsonString(user)
				g.post("stgid="+mainSTGID, []byte(strings.Replace(photo, `"UserID":"3"`, `"UserID":`+q, 1)))
				g.post("stgid="+mainSTGID, []byte(strings.ReplaceAll(face, `"UserID":"3"`, `"UserID":`+q)))
				for _, f := range walkAll(t, g.dir) {
					rel, _ := filepath.Rel(g.dir, f)
					rel = filepath.ToSlash(rel)
					if strings.HasPrefix(rel, PhotosDir+"/") {
						parts := strings.Split(rel, "/")
						for _, p := range parts {
							if p == ".." || p == "." || p == "" {
								t.Errorf("odd path element in %q", rel)
							}
						}
						continue
					}
					if rel != data.DBFileName && !strings.HasPrefix(rel, data.DBFileName+"-") && rel != LogFileName && !strings.HasPrefix(rel, JournalDir+"/") {
						t.Errorf("file written outside photos/: %s", rel)
					}
				}
				if _, err := os.Stat(filepath.Join(filepath.Dir(g.dir), "x")); err == nil {
					t.Error("../../x was written")
				}
				if user != "" {
					if files := photoFiles(t, g.dir); len(files) != 2 {
						t.Errorf("photo files = %v, want the attendance photo and the face", files)
					}
				}
			})
		}
	})
}

func TestSafeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"EMP-0001", "EMP-0001"},
		{"3", "3"},
		{"a/b", "a_b-"},
		{"a_b", "a_b"},
		{"../../x", "______x-"},
		{"", "-"},
	}
	seen := map[string]string{}
	for _, tc := range tests {
		got := safeName(tc.in)
		if !strings.HasPrefix(got, tc.want) || (strings.HasSuffix(tc.want, "-") && len(got) != len(tc.want)+8) {
			t.Errorf("safeName(%q) = %q, want %q[hash]", tc.in, got, tc.want)
		}
		if other, dup := seen[got]; dup {
			t.Errorf("%q and %q both give %q", other, tc.in, got)
		}
		seen[got] = tc.in
		if !filepath.IsLocal(got) || strings.ContainsAny(got, `/\.`) {
			t.Errorf("safeName(%q) = %q is not one plain path element", tc.in, got)
		}
	}
	if got := safeName(strings.Repeat("x", 100)); len(got) != 64+9 {
		t.Errorf("long name = %q (%d bytes)", got, len(got))
	}
}
