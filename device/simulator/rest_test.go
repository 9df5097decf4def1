package simulator_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

type obj = map[string]any

var (
	fingerprint = base64.StdEncoding.EncodeToString([]byte("opaque fingerprint template bytes"))
	palm        = base64.StdEncoding.EncodeToString([]byte("opaque palm template bytes"))
	jpegData    = base64.StdEncoding.EncodeToString([]byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F', 0, 1})
)

func allTemplates(id string) []obj {
	return []obj{
		{"Type": "Card", "UserID": id, "Data": "12345678"},
		{"Type": "Password", "UserID": id, "Data": "4321"},
		{"Type": "FingerPrint", "UserID": id, "Data": fingerprint, "Size": "33", "Index": "0"},
		{"Type": "Face", "UserID": id, "Data": jpegData, "Index": "0"},
		{"Type": "Palm", "UserID": id, "Data": palm, "Index": "1"},
		{"Type": "UserPhoto", "UserID": id, "Data": jpegData},
	}
}

func addUser(id string, templates ...obj) obj {
	add := obj{"User": obj{"UserID": id, "FirstName": "Asha", "LastName": "Rao", "UserType": "User"}}
	if len(templates) > 0 {
		add["Template"] = templates
	}
	return obj{"Add": add}
}

func loadLog(start, end string, offset any) obj {
	f := obj{"StartTime": start, "EndTime": end}
	if offset != nil {
		f["OffSet"] = offset
	}
	return obj{"Load": obj{"PunchLog": obj{"Filter": f}}}
}

func deviceInformation() obj { return obj{"Load": obj{"DeviceInformation": "All"}} }

func TestStatuses(t *testing.T) {
	seed := func(g *simulator.Gateway) {
		if _, err := g.SeedUsers(3); err != nil {
			t.Fatal(err)
		}
	}
	fields := func(m obj) func(*testing.T, *sim) []byte {
		return func(t *testing.T, s *sim) []byte { return s.body(t, m) }
	}
	raw := func(b string) func(*testing.T, *sim) []byte {
		return func(*testing.T, *sim) []byte { return []byte(b) }
	}
	plain := func(m obj) func(*testing.T, *sim) []byte {
		return func(t *testing.T, s *sim) []byte {
			a := s.auth()
			for k, v := range m {
				a[k] = v
			}
			b, _ := json.Marshal(a)
			return b
		}
	}
	sealedWith := func(key string) func(*testing.T, *sim) []byte {
		return func(t *testing.T, s *sim) []byte {
			b, _ := json.Marshal(s.auth())
			text, err := device.Encrypt(b, key)
			if err != nil {
				t.Fatal(err)
			}
			return []byte(text)
		}
	}
	today := time.Now().In(ist).Format("2006-01-02")
	cases := []struct {
		name     string
		key      string
		prep     func(*simulator.Gateway)
		endpoint func(*sim) string
		body     func(*testing.T, *sim) []byte
		want     int
		op       string
	}{
		{name: "wrong stgid", endpoint: func(s *sim) string { return s.base + "?stgid=NOPE" }, body: fields(deviceInformation()), want: 2},
		{name: "missing stgid", endpoint: func(s *sim) string { return s.base }, body: fields(deviceInformation()), want: 2},
		{name: "plain JSON to a device with a key", key: testKey, body: plain(deviceInformation()), want: 19},
		{name: "encrypted with another key", key: testKey, body: sealedWith(strings.Repeat("k", 32)), want: 4},
		{name: "not base64 with a key", key: testKey, body: raw("%%%not base64%%%"), want: 4},
		{name: "malformed gateway key", key: "short", body: raw("anything"), want: 13},
		{name: "not JSON", body: raw("hello"), want: 1},
		{name: "empty body", body: raw("  "), want: 1},
		{name: "JSON array", body: raw(`[{"Load":{"DeviceInformation":"All"}}]`), want: 1},
		{name: "no verb", body: fields(obj{}), want: 1},
		{name: "two verbs", body: fields(obj{"Load": obj{"DeviceInformation": "All"}, "Delete": obj{"Log": "All"}}), want: 1},
		{name: "unknown verb", body: fields(obj{"Fetch": obj{"User": "All"}}), want: 1},
		{name: "unknown operation under Load", body: fields(obj{"Load": obj{"Photos": "All"}}), want: 1, op: "Load"},
		{name: "verb not an object", body: fields(obj{"Load": "All"}), want: 1, op: "Load"},
		{name: "missing OperationID", body: fields(obj{"Load": obj{"DeviceInformation": "All"}, "OperationID": nil}), want: 1},
		{name: "OperationID with a dash", body: fields(obj{"Load": obj{"DeviceInformation": "All"}, "OperationID": "ab-12"}), want: 1},
		{name: "OperationID too long", body: fields(obj{"Load": obj{"DeviceInformation": "All"}, "OperationID": strings.Repeat("a", 65)}), want: 1},
		{name: "Time without offset", body: fields(obj{"Load": obj{"DeviceInformation": "All"}, "Time": today + " 08:00:00"}), want: 1},
		{name: "Time missing", body: fields(obj{"Load": obj{"DeviceInformation": "All"}, "Time": nil}), want: 1},
		{name: "wrong auth token", body: fields(obj{"Load": obj{"DeviceInformation": "All"}, "AuthToken": strings.Repeat("x", 32)}), want: 7},
		{name: "missing auth token", body: fields(obj{"Load": obj{"DeviceInformation": "All"}, "AuthToken": nil}), want: 7},
		{name: "offline", prep: func(g *simulator.Gateway) { g.SetOffline(true) }, body: fields(deviceInformation()), want: 5},

		{name: "AddUser without UserID", body: fields(obj{"Add": obj{"User": obj{"FirstName": "A"}}}), want: 14, op: "AddUserWithoutTemplate"},
		{name: "Add without User", body: fields(obj{"Add": obj{"Template": allTemplates("1")}}), want: 14, op: "AddUser"},
		{name: "AddUser with a numeric UserID", body: fields(obj{"Add": obj{"User": obj{"UserID": 5}}}), want: 14, op: "AddUserWithoutTemplate"},
		{name: "template with bad base64", body: fields(addUser("50", obj{"Type": "Fingerprint", "Data": "not base64!", "Index": "0"})), want: 10, op: "AddUser"},
		{name: "unknown template type", body: fields(addUser("50", obj{"Type": "Iris", "Data": fingerprint})), want: 10, op: "AddUser"},
		{name: "card with letters", body: fields(addUser("50", obj{"Type": "Card", "Data": "12AB"})), want: 10, op: "AddUser"},
		{name: "template of another user", body: fields(addUser("50", obj{"Type": "Card", "UserID": "51", "Data": "1234"})), want: 10, op: "AddUser"},
		{name: "AddUser existing", prep: seed, body: fields(addUser("2")), want: 8, op: "AddUserWithoutTemplate"},
		{name: "DeleteUser missing", prep: seed, body: fields(obj{"Delete": obj{"User": obj{"UserID": "99"}}}), want: 9, op: "DeleteUser"},
		{name: "EnableUser missing", body: fields(obj{"Update": obj{"User": obj{"UserID": "99", "Access": "enable"}}}), want: 9, op: "EnableUser"},
		{name: "DisableUser missing", body: fields(obj{"Update": obj{"User": obj{"UserID": "99", "Access": "disable"}}}), want: 9, op: "DisableUser"},
		{name: "Access neither", prep: seed, body: fields(obj{"Update": obj{"User": obj{"UserID": "1", "Access": "maybe"}}}), want: 14, op: "UpdateUser"},
		{name: "UpdateAccessTime missing user", body: fields(obj{"Update": obj{"AccessTime": obj{"UserID": "99", "Start": "2022-07-11 00:00:00", "End": "2022-07-11 23:59:59"}}}), want: 9, op: "UpdateAccessTime"},
		{name: "UpdateAccessTime end before start", prep: seed, body: fields(obj{"Update": obj{"AccessTime": obj{"UserID": "1", "Start": "2022-07-11 10:00:00", "End": "2022-07-11 09:00:00"}}}), want: 14, op: "UpdateAccessTime"},
		{name: "LoadLog bad StartTime", body: fields(loadLog("yesterday", "2024-09-17 00:00:00", nil)), want: 14, op: "LoadLog"},
		{name: "LoadLog over 31 days", body: fields(loadLog("2024-01-01 00:00:00", "2024-02-01 00:00:01", nil)), want: 14, op: "LoadLog"},
		{name: "LoadLog end before start", body: fields(loadLog("2024-01-02 00:00:00", "2024-01-01 00:00:00", nil)), want: 14, op: "LoadLog"},
		{name: "LoadLog negative OffSet", body: fields(loadLog("2024-01-01 00:00:00", "2024-01-02 00:00:00", -50)), want: 14, op: "LoadLog"},
		{name: "LoadLog without Filter", body: fields(obj{"Load": obj{"PunchLog": obj{}}}), want: 14, op: "LoadLog"},
		{name: "DeviceInformation not All", body: fields(obj{"Load": obj{"DeviceInformation": "Some"}}), want: 14, op: "LoadDeviceInformation"},
		{name: "Enroll a card", body: fields(obj{"Enroll": obj{"User": obj{"UserID": "7", "Type": "Card"}}}), want: 14, op: "EnrollFingerPrint"},
		{name: "DeleteLogAll not All", body: fields(obj{"Delete": obj{"Log": "Some"}}), want: 14, op: "DeleteLogAll"},

		{name: "LoadDeviceInformation", body: fields(deviceInformation()), op: "LoadDeviceInformation"},
		{name: "LoadLog", body: fields(loadLog("2024-01-01 00:00:00", "2024-01-31 23:59:59", "0")), op: "LoadLog"},
		{name: "AddUser with all templates", body: fields(addUser("50", allTemplates("50")...)), op: "AddUser"},
		{name: "AddUserWithoutTemplate", body: fields(addUser("50")), op: "AddUserWithoutTemplate"},
		{name: "DeleteUser", prep: seed, body: fields(obj{"Delete": obj{"User": obj{"UserID": "2"}}}), op: "DeleteUser"},
		{name: "DeleteAllUser", prep: seed, body: fields(obj{"Delete": obj{"User": "All"}}), op: "DeleteAllUser"},
		{name: "DeleteLogAll", body: fields(obj{"Delete": obj{"Log": "All"}}), op: "DeleteLogAll"},
		{name: "DeleteAttendancePhoto", body: fields(obj{"Delete": obj{"PunchPhoto": "All"}}), op: "DeleteAttendancePhoto"},
		{name: "ResendAttendance", body: fields(obj{"Resend": obj{"PunchLog": obj{"Filter": obj{"StartTime": "2024-01-01 00:00:00", "EndTime": "2024-03-01 00:00:00"}}}}), op: "ResendAttendance"},
		{name: "ResendAllUser", body: fields(obj{"Resend": obj{"User": "All"}}), op: "ResendAllUser"},
		{name: "EnrollFingerPrint", body: fields(obj{"Enroll": obj{"User": obj{"UserID": "3", "Type": "Fingerprint", "FirstName": "A", "LastName": "B"}}}), op: "EnrollFingerPrint"},
		{name: "UpdateAccessTime", prep: seed, body: fields(obj{"Update": obj{"AccessTime": obj{"UserID": "1", "Start": "2022-07-11 00:00:00", "End": "2022-07-11 23:59:59"}}}), op: "UpdateAccessTime"},
		{name: "EnableUser", prep: seed, body: fields(obj{"Update": obj{"User": obj{"UserID": "1", "Access": "enable"}}}), op: "EnableUser"},
		{name: "DisableUser", prep: seed, body: fields(obj{"Update": obj{"User": obj{"UserID": "1", "Access": "disable"}}}), op: "DisableUser"},
		{name: "encrypted call", key: testKey, body: fields(deviceInformation()), op: "LoadDeviceInformation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newSim(t, simulator.Config{SecurityKey: tc.key, ProcessingTime: -1})
			if tc.prep != nil {
				tc.prep(s.g)
			}
			endpoint := s.endpoint
			if tc.endpoint != nil {
				endpoint = tc.endpoint(s)
			}
			if tc.key != "" && len(tc.key) != 32 {
				s.cfg.SecurityKey = "" // the gateway cannot encrypt its answer with a malformed key
			}
			got, _ := s.post(t, endpoint, tc.body(t, s))
			if got.Code() != tc.want {
				t.Fatalf("status %d (%s), want %d", got.Code(), got.Message, tc.want)
			}
			wantStatus := "done"
			if tc.want != 0 {
				wantStatus = "error"
				if got.Message == "" {
					t.Error("an error answer has no Message")
				}
			}
			if string(got.Status) != wantStatus {
				t.Errorf("Status %q, want %q", got.Status, wantStatus)
			}
			ex := s.g.Requests(1)
			if len(ex) != 1 || ex[0].StatusCode != tc.want {
				t.Fatalf("recorded %+v", ex)
			}
			if tc.op != "" && ex[0].Operation != tc.op {
				t.Errorf("recorded operation %q, want %q", ex[0].Operation, tc.op)
			}
		})
	}
}

func TestAnswerEchoesOperationIDAndMasksToken(t *testing.T) {
	s := newSim(t, simulator.Config{ProcessingTime: -1})
	r := s.call(t, obj{"Load": obj{"DeviceInformation": "All"}, "OperationID": "abc123def4567"})
	if r.Code() != 0 || r.OperationID != "abc123def4567" {
		t.Fatalf("answer %+v", r)
	}
	ex := s.g.Requests(0)[0]
	if strings.Contains(string(ex.Body), s.cfg.AuthToken) || !strings.Contains(string(ex.Body), device.Mask(s.cfg.AuthToken)) {
		t.Errorf("recorded body does not mask the token: %s", ex.Body)
	}
	if ex.OperationID != "abc123def4567" || ex.Encrypted {
		t.Errorf("recorded %+v", ex)
	}
}

func TestEncryptionRoundTrip(t *testing.T) {
	s := newSim(t, simulator.Config{SecurityKey: testKey, ProcessingTime: -1})
	if _, err := s.g.SeedUsers(3); err != nil {
		t.Fatal(err)
	}
	r, raw := s.post(t, s.endpoint, s.body(t, deviceInformation()))
	if len(raw) == 0 || raw[0] == '{' {
		t.Fatalf("answer of an encrypted device is plain: %s", raw)
	}
	if r.Code() != 0 || r.DeviceInformation == nil {
		t.Fatalf("answer %+v", r)
	}
	info := r.DeviceInformation
	if info.RegisteredUsers != "3" || info.RegisteredFingerprints != "3" || info.MaximumAttendanceLogsSupported != "500000" {
		t.Errorf("device information %+v", info)
	}
	plain, err := device.Open(raw, testKey)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(plain), `"ReigsteredFingerprints":"3"`) {
		t.Error("the answer does not use the gateway's spelling ReigsteredFingerprints")
	}
	if ex := s.g.Requests(1)[0]; !ex.Encrypted {
		t.Error("the call is not recorded as encrypted")
	}
}

func TestStateChanges(t *testing.T) {
	s := newSim(t, simulator.Config{ProcessingTime: -1})
	steps := []struct {
		fields obj
		check  func(t *testing.T)
	}{
		{addUser("50", allTemplates("50")...), func(t *testing.T) {
			u, ok := s.g.User("50")
			if !ok || len(u.Templates) != 6 || u.FirstName != "Asha" {
				t.Fatalf("user after AddUser: %+v", u)
			}
			for _, tp := range u.Templates {
				if tp.Type == device.Fingerprint && tp.Size != "33" {
					t.Errorf("fingerprint Size %q, want the data's length 33", tp.Size)
				}
			}
		}},
		{obj{"Update": obj{"User": obj{"UserID": "50", "Access": "disable"}}}, func(t *testing.T) {
			if u, _ := s.g.User("50"); !u.Disabled {
				t.Error("user not disabled")
			}
		}},
		{obj{"Update": obj{"AccessTime": obj{"UserID": "50", "Start": "2022-07-11 00:00:00", "End": "2022-07-11 23:59:59 GMT +0530"}}}, func(t *testing.T) {
			if u, _ := s.g.User("50"); u.AccessStart != "2022-07-11 00:00:00" || u.AccessEnd != "2022-07-11 23:59:59" {
				t.Errorf("access time %q – %q", u.AccessStart, u.AccessEnd)
			}
		}},
		{obj{"Enroll": obj{"User": obj{"UserID": "50", "Type": "Fingerprint"}}}, func(t *testing.T) {
			u, _ := s.g.User("50")
			var idx []string
			for _, tp := range u.Templates {
				if tp.Type == device.Fingerprint {
					idx = append(idx, tp.Index)
				}
			}
			if strings.Join(idx, ",") != "0,1" {
				t.Errorf("fingerprint indexes after enrol %v, want 0,1", idx)
			}
		}},
		{obj{"Delete": obj{"User": obj{"UserID": "50"}}}, func(t *testing.T) {
			if _, ok := s.g.User("50"); ok {
				t.Error("user still there after DeleteUser")
			}
		}},
	}
	for i, st := range steps {
		if r := s.call(t, st.fields); r.Code() != 0 {
			t.Fatalf("step %d: status %d %s", i, r.Code(), r.Message)
		}
		st.check(t)
	}
	from := time.Now().Add(-48 * time.Hour)
	if err := s.g.GeneratePunches(1000, from, time.Now()); err != nil {
		t.Fatal(err)
	}
	if st := s.g.Stats(); st.Logs != 1000 || st.Photos == 0 || st.Users != simulator.DefaultUsers {
		t.Fatalf("after GeneratePunches: %+v", st)
	}
	for _, step := range []struct {
		fields obj
		logs   int
		photos int
		users  int
	}{
		{obj{"Delete": obj{"PunchPhoto": "All"}}, 1000, 0, simulator.DefaultUsers},
		{obj{"Delete": obj{"Log": "All"}}, 0, 0, simulator.DefaultUsers},
		{obj{"Delete": obj{"User": "All"}}, 0, 0, 0},
	} {
		if r := s.call(t, step.fields); r.Code() != 0 {
			t.Fatalf("%v: status %d", step.fields, r.Code())
		}
		if st := s.g.Stats(); st.Logs != step.logs || st.Photos != step.photos || st.Users != step.users {
			t.Errorf("after %v: %+v", step.fields, st)
		}
	}
}

func TestParallelCallsGetBusy(t *testing.T) {
	s := newSim(t, simulator.Config{ProcessingTime: 150 * time.Millisecond})
	const n = 4
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = s.body(t, deviceInformation())
	}
	codes := make([]int, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			r, _ := s.post(t, s.endpoint, bodies[i])
			codes[i] = r.Code()
		}()
	}
	start.Done()
	done.Wait()
	count := map[int]int{}
	for _, c := range codes {
		count[c]++
	}
	if count[0] < 1 || count[device.StatusBusy] < 1 || count[0]+count[device.StatusBusy] != n {
		t.Fatalf("codes %v: want at least one 0 and one 37", codes)
	}
	if st := s.g.Stats(); st.Busy != int64(count[device.StatusBusy]) || st.Calls != n {
		t.Errorf("stats %+v", st)
	}
	// One after another, calls are never busy.
	for range 3 {
		if r := s.call(t, deviceInformation()); r.Code() != 0 {
			t.Fatalf("sequential call: status %d", r.Code())
		}
	}
}

func TestOfflineAndBack(t *testing.T) {
	s := newSim(t, simulator.Config{ProcessingTime: -1})
	s.g.SetOffline(true)
	if r := s.call(t, deviceInformation()); r.Code() != 5 {
		t.Fatalf("offline: status %d", r.Code())
	}
	s.g.SetOffline(false)
	if r := s.call(t, deviceInformation()); r.Code() != 0 {
		t.Fatalf("back online: status %d", r.Code())
	}
}

func TestStartAndClose(t *testing.T) {
	g := simulator.New(simulator.Config{})
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := g.Start(context.Background()); err != simulator.ErrStarted {
		t.Errorf("second Start: %v", err)
	}
	g.Close()
	g.Close()
	if err := g.StartPunches(context.Background(), 1); err != simulator.ErrClosed {
		t.Errorf("StartPunches after Close: %v", err)
	}
	if err := simulator.New(simulator.Config{}).SendPunch(context.Background(), ""); err != simulator.ErrNoCallbackURL {
		t.Errorf("punch without a callback URL: %v", err)
	}
}
