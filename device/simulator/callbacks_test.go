package simulator_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"image/jpeg"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

// checkEnvelope checks what every callback carries: the callback token, the gateway's own OperationID,
// gateway time in GMT, and for RealTime bodies the label and serial number.
func checkEnvelope(t *testing.T, s *sim, calls []*device.Callback) {
	t.Helper()
	ids := map[string]bool{}
	for _, c := range calls {
		op, serial, label := c.Envelope()
		if c.Token() != s.cfg.CallbackToken {
			t.Errorf("callback token %q, want the configured one", device.Mask(c.Token()))
		}
		if op == "" || ids[op] {
			t.Errorf("OperationID %q is empty or repeated", op)
		}
		ids[op] = true
		if serial != s.cfg.SerialNumber || label != s.cfg.Label {
			t.Errorf("serial %q label %q", serial, label)
		}
		tm := c.Time
		if c.RealTime != nil {
			tm = c.RealTime.Time
		}
		if !strings.HasSuffix(string(tm), " GMT +0000") {
			t.Errorf("Time %q is not gateway time in GMT +0000", tm)
		}
	}
}

func TestAddUserSendsTemplatesInParts(t *testing.T) {
	rcv := newReceiver(t, "")
	s := newSim(t, simulator.Config{CallbackURL: rcv.URL(), ProcessingTime: -1, Seed: 11})
	const users = 10
	for i := range users {
		id := strconv.Itoa(100 + i)
		if r := s.call(t, addUser(id, allTemplates(id)...)); r.Code() != 0 {
			t.Fatalf("AddUser %s: status %d %s", id, r.Code(), r.Message)
		}
	}
	got := map[string]map[[2]string]string{}
	perUser := map[string]int{}
	calls := rcv.wait(t, "every template", func(calls []*device.Callback) bool {
		got = map[string]map[[2]string]string{}
		perUser = map[string]int{}
		for _, c := range ofKind(calls, device.KindUserUpdated) {
			u := c.RealTime.UserUpdated
			perUser[string(u.UserID)]++
			if got[string(u.UserID)] == nil {
				got[string(u.UserID)] = map[[2]string]string{}
			}
			for _, tp := range u.Template {
				typ, idx := tp.Key()
				got[string(u.UserID)][[2]string{typ, idx}] = string(tp.Data)
			}
		}
		for i := range users {
			if len(got[strconv.Itoa(100+i)]) < 6 {
				return false
			}
		}
		return true
	})
	checkEnvelope(t, s, calls)
	split := 0
	for id, n := range perUser {
		if n > 1 {
			split++
		}
		if n > 2 {
			t.Errorf("user %s arrived in %d callbacks", id, n)
		}
		tpl := got[id]
		if tpl[[2]string{device.Fingerprint, "0"}] != fingerprint || tpl[[2]string{device.Card, ""}] != "12345678" ||
			tpl[[2]string{device.Palm, "1"}] != palm || tpl[[2]string{device.UserPhoto, ""}] != jpegData {
			t.Errorf("user %s templates %v", id, tpl)
		}
	}
	if split == 0 || split == users {
		t.Errorf("%d of %d users were split across callbacks; want some, not all", split, users)
	}
	for _, c := range calls {
		u := c.RealTime.UserUpdated
		if u.FirstName != "Asha" || !strings.HasSuffix(string(u.OperationTime), "GMT +0530") {
			t.Errorf("UserUpdated %+v", u)
		}
	}
	if q := rcv.queries[0].Get("stgid"); q != s.cfg.STGID {
		t.Errorf("callback stgid %q", q)
	}
}

func TestAddUserWithoutTemplateSendsOneCallback(t *testing.T) {
	rcv := newReceiver(t, "")
	s := newSim(t, simulator.Config{CallbackURL: rcv.URL(), ProcessingTime: -1})
	if r := s.call(t, addUser("7")); r.Code() != 0 {
		t.Fatal(r.Message)
	}
	calls := rcv.wait(t, "UserUpdated", atLeast(device.KindUserUpdated, 1))
	if u := calls[0].RealTime.UserUpdated; u.UserID != "7" || len(u.Template) != 0 {
		t.Fatalf("UserUpdated %+v", u)
	}
	if !bytes.Contains(rcv.raw[0], []byte(`"Template":[]`)) {
		t.Errorf("Template is not an empty list: %s", rcv.raw[0])
	}
}

func TestQueuedCallbacks(t *testing.T) {
	cases := []struct {
		name  string
		prep  func(*testing.T, *simulator.Gateway)
		call  obj
		kind  string
		n     int
		check func(t *testing.T, calls []*device.Callback)
	}{
		{
			name: "DeleteUser sends UserDeleted",
			prep: func(t *testing.T, g *simulator.Gateway) { seedUsers(t, g, 5) },
			call: obj{"Delete": obj{"User": obj{"UserID": "4"}}},
			kind: device.KindUserDeleted, n: 1,
			check: func(t *testing.T, calls []*device.Callback) {
				if d := calls[0].RealTime.UserDeleted; d.UserID != "4" || !strings.HasSuffix(string(d.OperationTime), "+0530") {
					t.Errorf("UserDeleted %+v", d)
				}
			},
		},
		{
			name: "EnrollFingerPrint sends the new template",
			prep: func(t *testing.T, g *simulator.Gateway) { seedUsers(t, g, 5) },
			call: obj{"Enroll": obj{"User": obj{"UserID": "3", "Type": "FingerPrint"}}},
			kind: device.KindUserUpdated, n: 1,
			check: func(t *testing.T, calls []*device.Callback) {
				u := calls[0].RealTime.UserUpdated
				if u.UserID != "3" || len(u.Template) != 1 || u.Template[0].Type != device.Fingerprint || u.Template[0].Index != "1" {
					t.Fatalf("UserUpdated %+v", u)
				}
				if raw, err := base64.StdEncoding.DecodeString(string(u.Template[0].Data)); err != nil || strconv.Itoa(len(raw)) != strconv.Itoa(u.Template[0].Size.Int()) {
					t.Errorf("template data does not match its Size %v: %v", u.Template[0].Size, err)
				}
			},
		},
		{
			name: "ResendAttendance sends batches of 500",
			prep: func(t *testing.T, g *simulator.Gateway) {
				from := time.Date(2024, 9, 1, 0, 0, 0, 0, ist)
				if err := g.GeneratePunches(1200, from, from.AddDate(0, 0, 5)); err != nil {
					t.Fatal(err)
				}
			},
			call: obj{"Resend": obj{"PunchLog": obj{"Filter": obj{"StartTime": "2024-09-01 00:00:00", "EndTime": "2024-09-30 00:00:00"}}}},
			kind: device.KindBatch, n: 3,
			check: func(t *testing.T, calls []*device.Callback) {
				seen := map[row]bool{}
				for i, c := range calls {
					want := []int{500, 500, 200}[i]
					if c.PunchLog.ReturnRowCount.Int() != want || len(c.PunchLog.Log) != want {
						t.Errorf("batch %d: ReturnRowCount %v with %d rows, want %d", i, c.PunchLog.ReturnRowCount, len(c.PunchLog.Log), want)
					}
					for _, p := range c.PunchLog.Log {
						seen[row{string(p.UserID), string(p.LogTime)}] = true
					}
				}
				if len(seen) != 1200 {
					t.Errorf("%d distinct punches resent, want 1200", len(seen))
				}
			},
		},
		{
			name: "ResendAllUser sends users in groups",
			prep: func(t *testing.T, g *simulator.Gateway) { seedUsers(t, g, 120) },
			call: obj{"Resend": obj{"User": "All"}},
			kind: device.KindUserResend, n: 3,
			check: func(t *testing.T, calls []*device.Callback) {
				ids := map[string]bool{}
				for _, c := range calls {
					for _, u := range c.Load.UserInfo {
						if u.FirstName == "" || len(u.Template) == 0 {
							t.Errorf("user %+v has no name or templates", u)
						}
						ids[string(u.UserID)] = true
					}
				}
				if len(ids) != 120 {
					t.Errorf("%d users resent, want 120", len(ids))
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rcv := newReceiver(t, "")
			s := newSim(t, simulator.Config{CallbackURL: rcv.URL(), ProcessingTime: -1})
			tc.prep(t, s.g)
			if r := s.call(t, tc.call); r.Code() != 0 {
				t.Fatalf("status %d %s", r.Code(), r.Message)
			}
			calls := ofKind(rcv.wait(t, tc.kind, atLeast(tc.kind, tc.n)), tc.kind)
			checkEnvelope(t, s, calls)
			time.Sleep(20 * time.Millisecond)
			if n := rcv.count(); n != tc.n {
				t.Fatalf("%d callbacks, want %d", n, tc.n)
			}
			tc.check(t, calls)
		})
	}
}

func TestEncryptedCallbacks(t *testing.T) {
	rcv := newReceiver(t, testKey)
	s := newSim(t, simulator.Config{CallbackURL: rcv.URL(), SecurityKey: testKey, ProcessingTime: -1})
	if r := s.call(t, addUser("9", allTemplates("9")[0])); r.Code() != 0 {
		t.Fatal(r.Message)
	}
	calls := rcv.wait(t, "UserUpdated", atLeast(device.KindUserUpdated, 1))
	if bytes.HasPrefix(rcv.raw[0], []byte("{")) {
		t.Fatalf("callback of an encrypted device is plain JSON: %s", rcv.raw[0])
	}
	checkEnvelope(t, s, calls)
}

func TestSendPunch(t *testing.T) {
	rcv := newReceiver(t, "")
	s := newSim(t, simulator.Config{CallbackURL: rcv.URL(), Seed: 5})
	if err := s.g.SendPunch(context.Background(), ""); err != simulator.ErrNoUsers {
		t.Fatalf("punch on an empty device: %v", err)
	}
	if _, err := s.g.SeedUsers(20); err != nil {
		t.Fatal(err)
	}
	for range 12 {
		if err := s.g.SendPunch(context.Background(), ""); err != nil {
			t.Fatal(err)
		}
	}
	calls := rcv.wait(t, "punches", atLeast(device.KindPunchLog, 12))
	checkEnvelope(t, s, calls)
	users := map[string]bool{}
	for _, c := range ofKind(calls, device.KindPunchLog) {
		p := c.RealTime.PunchLog
		users[string(p.UserID)] = true
		if p.Type != "CheckIn" || !p.Temperature.Valid || !strings.HasSuffix(string(p.LogTime), "GMT +0530") {
			t.Errorf("punch %+v", p)
		}
	}
	if len(users) != 12 {
		t.Errorf("12 punches came from %d users, want 12 different ones", len(users))
	}
	for _, raw := range rcv.raw {
		if bytes.Contains(raw, []byte(`"PunchLog"`)) && (!bytes.Contains(raw, []byte(`"UserId":"`)) || !bytes.Contains(raw, []byte(`"Temperature":"3`))) {
			t.Errorf("live punch does not spell UserId or Temperature as text: %s", raw)
		}
	}
	photos := ofKind(calls, device.KindPhoto)
	if len(photos) == 0 {
		t.Fatal("no attendance photo in 12 punches")
	}
	ph := photos[0].RealTime.Log
	data, err := base64.StdEncoding.DecodeString(string(ph.LogPhoto))
	if err != nil || !strings.HasPrefix(string(ph.LogPhoto), "/9j/") {
		t.Fatalf("photo is not base64 JPEG: %v", err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
		t.Errorf("photo does not decode: %v", err)
	}
	if st := s.g.Stats(); st.Logs != 12 || st.Photos != len(photos) {
		t.Errorf("stats %+v with %d photos sent", st, len(photos))
	}
	if err := s.g.SendPunch(context.Background(), "nobody"); err == nil {
		t.Error("a punch by an unknown user was sent")
	}
}

func TestManualCallbacks(t *testing.T) {
	rcv := newReceiver(t, "")
	s := newSim(t, simulator.Config{CallbackURL: rcv.URL()})
	seedUsers(t, s.g, 3)
	ctx := context.Background()
	if err := s.g.SendUserUpdated(ctx, "2"); err != nil {
		t.Fatal(err)
	}
	if err := s.g.SendUserDeleted(ctx, "3"); err != nil {
		t.Fatal(err)
	}
	to := time.Date(2025, 1, 2, 3, 4, 5, 0, ist)
	if err := s.g.SendDateModified(ctx, to); err != nil {
		t.Fatal(err)
	}
	calls := rcv.wait(t, "three callbacks", func(c []*device.Callback) bool { return len(c) == 3 })
	checkEnvelope(t, s, calls)
	if u := calls[0].RealTime.UserUpdated; u == nil || u.UserID != "2" || len(u.Template) < 2 {
		t.Errorf("UserUpdated %+v", u)
	}
	if d := calls[1].RealTime.UserDeleted; d == nil || d.UserID != "3" {
		t.Errorf("UserDeleted %+v", d)
	}
	if _, ok := s.g.User("3"); ok {
		t.Error("user 3 still on the device")
	}
	if m := calls[2].RealTime.DateModified; m == nil || m.ModifiedTo != "2025-01-02 03:04:05 GMT +0530" {
		t.Errorf("DateModified %+v", m)
	}
	if err := s.g.SendUserDeleted(ctx, "3"); err == nil {
		t.Error("deleting a missing user sent a callback")
	}
}

func TestCallbackRetries(t *testing.T) {
	cases := []struct {
		name      string
		failures  int
		attempts  int
		delivered bool
	}{
		{"recovers after two failures", 2, 5, true},
		{"gives up after its attempts", 100, 3, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rcv := newReceiver(t, "")
			rcv.failures = tc.failures
			var mu sync.Mutex
			var outcomes []error
			s := newSim(t, simulator.Config{
				CallbackURL: rcv.URL(), RetryBackoff: time.Millisecond, MaxAttempts: tc.attempts,
				OnDelivered: func(kind string, err error) {
					mu.Lock()
					defer mu.Unlock()
					if kind != device.KindUserDeleted {
						t.Errorf("kind %q", kind)
					}
					outcomes = append(outcomes, err)
				},
			})
			seedUsers(t, s.g, 1)
			err := s.g.SendUserDeleted(context.Background(), "1")
			if (err == nil) != tc.delivered {
				t.Fatalf("delivered %v, err %v", tc.delivered, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(outcomes) != 1 || (outcomes[0] == nil) != tc.delivered {
				t.Fatalf("OnDelivered got %v", outcomes)
			}
			st := s.g.Stats()
			wantRetries := int64(min(tc.failures, tc.attempts-1))
			if st.Retries != wantRetries || (st.Delivered == 1) != tc.delivered || (st.Failed == 1) == tc.delivered {
				t.Errorf("stats %+v", st)
			}
			if err != nil && strings.Contains(err.Error(), s.cfg.CallbackToken) {
				t.Error("the error shows the callback token")
			}
		})
	}
}

func TestCallbackNeedsDoneAnswer(t *testing.T) {
	bad := &answerServer{answer: `{"status":"ok"}`}
	s := newSim(t, simulator.Config{CallbackURL: bad.start(t), RetryBackoff: time.Millisecond, MaxAttempts: 2})
	seedUsers(t, s.g, 1)
	if err := s.g.SendUserUpdated(context.Background(), "1"); err == nil || !strings.Contains(err.Error(), `"status":"done"`) {
		t.Fatalf("an answer other than done was accepted: %v", err)
	}
	if bad.hits() != 2 {
		t.Errorf("%d attempts, want 2", bad.hits())
	}
}

func TestOfflineHoldsCallbacks(t *testing.T) {
	rcv := newReceiver(t, "")
	s := newSim(t, simulator.Config{CallbackURL: rcv.URL(), ProcessingTime: -1, CommandDelay: 50 * time.Millisecond})
	if r := s.call(t, addUser("5")); r.Code() != 0 {
		t.Fatal(r.Message)
	}
	s.g.SetOffline(true)
	if err := s.g.SendPunch(context.Background(), "5"); err != simulator.ErrOffline {
		t.Errorf("punch while offline: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	if n := rcv.count(); n != 0 {
		t.Fatalf("%d callbacks sent while offline", n)
	}
	if st := s.g.Stats(); st.Pending != 1 {
		t.Fatalf("pending %d, want 1", st.Pending)
	}
	s.g.SetOffline(false)
	rcv.wait(t, "UserUpdated after coming back", atLeast(device.KindUserUpdated, 1))
}

func TestStartPunches(t *testing.T) {
	rcv := newReceiver(t, "")
	s := newSim(t, simulator.Config{CallbackURL: rcv.URL()})
	seedUsers(t, s.g, 10)
	for _, bad := range []float64{0, -1, simulator.MaxPunchRate + 1} {
		if err := s.g.StartPunches(context.Background(), bad); err == nil {
			t.Errorf("rate %v accepted", bad)
		}
	}
	if err := s.g.StartPunches(context.Background(), 200); err != nil {
		t.Fatal(err)
	}
	rcv.wait(t, "five punches", atLeast(device.KindPunchLog, 5))
	s.g.StopPunches()
	n := rcv.count()
	time.Sleep(50 * time.Millisecond)
	if rcv.count() != n {
		t.Error("punches went on after StopPunches")
	}
}

func seedUsers(t *testing.T, g *simulator.Gateway, n int) {
	t.Helper()
	if _, err := g.SeedUsers(n); err != nil {
		t.Fatal(err)
	}
}

// answerServer answers every POST with a fixed body and counts them.
type answerServer struct {
	answer string
	mu     sync.Mutex
	n      int
}

func (a *answerServer) start(t *testing.T) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.n++
		a.mu.Unlock()
		_, _ = w.Write([]byte(a.answer))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (a *answerServer) hits() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.n
}
