package device

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"image/jpeg"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const (
	goldenOperationID = "abc123def4567"
	goldenToken       = "Gq7TnV2xK9pLmW4rZs8YbC1dHf6JeA3u"
)

var (
	goldenNow  = time.Date(2025, 1, 15, 4, 0, 0, 0, time.UTC)
	goldenZone = time.FixedZone("IST", 5*3600+1800)
)

func indentJSON(t *testing.T, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func goldenPath(op Operation) string {
	return filepath.Join("testdata", "golden", fmt.Sprintf("%d-%s.json", op.Number, op.Name))
}

// TestGolden compares every operation built from its samples and stamped as the client stamps it.
func TestGolden(t *testing.T) {
	for _, op := range Catalog() {
		t.Run(op.Name, func(t *testing.T) {
			req, err := op.Build(op.Samples())
			if err != nil {
				t.Fatalf("samples do not build: %v", err)
			}
			got := indentJSON(t, Stamp(req, goldenOperationID, goldenToken, goldenNow, goldenZone))
			path := goldenPath(op)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./device -run Golden -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs:\n got: %s\nwant: %s", path, got, want)
			}
		})
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "golden", "*.json"))
	if len(files) != len(Catalog()) {
		t.Errorf("%d golden files for %d operations: remove stale ones", len(files), len(Catalog()))
	}
}

func TestGoldenShapes(t *testing.T) {
	// Spot checks of the spec's shapes, independent of the golden files.
	tests := []struct {
		name string
		want string
	}{
		{"LoadLog", `"Load":{"PunchLog":{"Filter":{"StartTime":"2025-01-01 00:00:00 GMT +0530","EndTime":"2025-01-31 23:59:59 GMT +0530"}}}`},
		{"LoadDeviceInformation", `{"Load":{"DeviceInformation":"All"},"OperationID":"abc123def4567"`},
		{"AddUserWithCard", `{"Add":{"User":{"UserID":"100","FirstName":"Asha","LastName":"Verma","UserType":"User"},"Template":[{"Type":"Card","UserID":"100","Data":"12345678"}]}`},
		{"AddUserWithFingerprint", `{"Type":"Fingerprint","UserID":"100","Data":"` + sampleFingerprint + `","Size":"48","Index":"0"}`},
		{"AddUserWithUserPhoto", `{"Type":"UserPhoto","UserID":"100","Data":"` + sampleJPEG + `","Size":"380"}]`},
		{"AddUserWithoutTemplate", `{"Add":{"User":{"UserID":"100","FirstName":"Asha","LastName":"Verma","UserType":"User"}},"OperationID"`},
		{"DeleteUser", `{"Delete":{"User":{"UserID":"100"}},`},
		{"DeleteAllUser", `{"Delete":{"User":"All"},`},
		{"DeleteLogAll", `{"Delete":{"Log":"All"},`},
		{"DeleteAttendancePhoto", `{"Delete":{"PunchPhoto":"All"},`},
		{"ResendAttendance", `{"Resend":{"PunchLog":{"Filter":{"StartTime":"2025-01-01 00:00:00 GMT +0530",`},
		{"ResendAllUser", `{"Resend":{"User":"All"},`},
		{"EnrollFingerPrint", `{"Enroll":{"User":{"UserID":"100","Type":"Fingerprint","FirstName":"Asha","LastName":"Verma"}},`},
		{"UpdateAccessTime", `{"Update":{"AccessTime":{"UserID":"100","Start":"2025-01-01 00:00:00","End":"2025-12-31 23:59:59"}},`},
		{"EnableUser", `{"Update":{"User":{"UserID":"100","Access":"enable"}},`},
		{"DisableUser", `{"Update":{"User":{"UserID":"100","Access":"disable"}},"OperationID":"abc123def4567","AuthToken":"` + goldenToken + `","Time":"2025-01-15 09:30:00 GMT +0530"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := mustLookup(t, tt.name)
			req, err := op.Build(op.Samples())
			if err != nil {
				t.Fatal(err)
			}
			got, _ := marshalJSON(Stamp(req, goldenOperationID, goldenToken, goldenNow, goldenZone))
			if !strings.Contains(string(got), tt.want) {
				t.Errorf("got  %s\nwant it to contain %s", got, tt.want)
			}
		})
	}
}

func mustLookup(t *testing.T, ref string) Operation {
	t.Helper()
	op, ok := Lookup(ref)
	if !ok {
		t.Fatalf("no operation %q", ref)
	}
	return op
}

func TestCatalogTable(t *testing.T) {
	ops := Catalog()
	if len(ops) != 27 {
		t.Fatalf("%d operations, want 27", len(ops))
	}
	destructive := map[string]bool{"DeleteUser": true, "DeleteAllUser": true, "DeleteLogAll": true, "DeleteAttendancePhoto": true}
	names := map[string]bool{}
	for i, op := range ops {
		if op.Number != 12+i {
			t.Errorf("%s is number %d, want %d", op.Name, op.Number, 12+i)
		}
		if names[strings.ToLower(op.Name)] {
			t.Errorf("duplicate name %s", op.Name)
		}
		names[strings.ToLower(op.Name)] = true
		if op.Title == "" || !strings.HasSuffix(op.Description, ".") || strings.Count(op.Description, ". ") > 0 {
			t.Errorf("%s: want a title and a one-sentence description, got %q / %q", op.Name, op.Title, op.Description)
		}
		if op.Destructive != destructive[op.Name] {
			t.Errorf("%s: Destructive = %v", op.Name, op.Destructive)
		}
		if op.Queued == (op.Group == GroupLoad) {
			t.Errorf("%s: Queued = %v in group %s", op.Name, op.Queued, op.Group)
		}
		if !containsGroup(op.Group) {
			t.Errorf("%s: unknown group %q", op.Name, op.Group)
		}
		for _, p := range op.Params {
			if p.Required && p.Sample == "" {
				t.Errorf("%s.%s: required without a sample", op.Name, p.Name)
			}
			if p.Label == "" || p.Kind == "" {
				t.Errorf("%s.%s: no label or kind", op.Name, p.Name)
			}
		}
		for _, ref := range []string{fmt.Sprint(op.Number), "#" + fmt.Sprint(op.Number), op.Name, strings.ToLower(op.Name), strings.ToUpper(op.Name)} {
			if got, ok := Lookup(ref); !ok || got.Number != op.Number {
				t.Errorf("Lookup(%q) = %d, %v", ref, got.Number, ok)
			}
		}
	}
	for _, ref := range []string{"11", "39", "", "AddUser", "LoadLogs"} {
		if _, ok := Lookup(ref); ok {
			t.Errorf("Lookup(%q) found an operation", ref)
		}
	}
}

func containsGroup(g Group) bool {
	for _, x := range Groups {
		if x == g {
			return true
		}
	}
	return false
}

func TestSampleData(t *testing.T) {
	raw, err := base64.StdEncoding.DecodeString(sampleJPEG)
	if err != nil {
		t.Fatal(err)
	}
	img, err := jpeg.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("sample JPEG does not decode: %v", err)
	}
	if img.Bounds().Dx() != 8 {
		t.Errorf("sample JPEG is %v", img.Bounds())
	}
	for _, s := range []string{sampleFingerprint, samplePalm} {
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			t.Errorf("sample blob: %v", err)
		}
	}
}

// TestRoundTrip builds each operation from its samples, extracts the parameters back (directly, and from the
// JSON as the raw editor would) and builds again.
func TestRoundTrip(t *testing.T) {
	for _, op := range Catalog() {
		t.Run(op.Name, func(t *testing.T) {
			first, err := op.Build(op.Samples())
			if err != nil {
				t.Fatal(err)
			}
			body, _ := marshalJSON(first)
			decoded, err := DecodeRequest(body)
			if err != nil {
				t.Fatal(err)
			}
			for name, req := range map[string]Request{"direct": first, "via JSON": decoded} {
				params := op.Extract(req)
				if !reflect.DeepEqual(params, nonEmpty(op.Samples())) {
					t.Errorf("%s: Extract = %v, want the samples %v", name, params, nonEmpty(op.Samples()))
				}
				second, err := op.Build(params)
				if err != nil {
					t.Fatalf("%s: rebuild: %v", name, err)
				}
				again, _ := marshalJSON(second)
				if !bytes.Equal(body, again) {
					t.Errorf("%s: rebuilt differs:\n%s\n%s", name, body, again)
				}
			}
			if got, ok := Identify(decoded); !ok || got.Name != op.Name {
				t.Errorf("Identify = %q, %v", got.Name, ok)
			}
		})
	}
}

func nonEmpty(p Params) Params {
	out := Params{}
	for k, v := range p {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

func TestExtractNeverPanics(t *testing.T) {
	empty := []Request{{}, {Load: &LoadRequest{}}, {Add: &AddRequest{}}, {Delete: &DeleteRequest{}}, {Resend: &ResendRequest{}},
		{Enroll: &EnrollRequest{}}, {Update: &UpdateRequest{}}, {Delete: &DeleteRequest{User: (*UserRef)(nil)}}}
	for _, op := range Catalog() {
		for _, req := range empty {
			_ = op.Extract(req)
		}
	}
	if id := deleteUserID(mustDecode(t, `{"Delete":{"User":{"UserID":3}}}`)); id != "3" {
		t.Errorf("numeric UserID read as %q", id)
	}
}

func mustDecode(t *testing.T, s string) Request {
	t.Helper()
	req, err := DecodeRequest([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return req
}

func TestBuildValidation(t *testing.T) {
	tests := []struct {
		op     string
		change Params
		want   string // one of the errors
	}{
		{"AddUserWithCard", Params{"UserID": ""}, "UserID: required"},
		{"AddUserWithCard", Params{"UserID": "10 1"}, "UserID: no spaces"},
		{"AddUserWithCard", Params{"UserID": strings.Repeat("9", 33)}, "UserID: at most 32 characters"},
		{"AddUserWithCard", Params{"Card": "12a4"}, "Card: digits only"},
		{"AddUserWithCard", Params{"Card": ""}, "Card: required"},
		{"AddUserWithCard", Params{"FirstName": ""}, "FirstName: required"},
		{"AddUserWithCard", Params{"FirstName": "Asha\nVerma"}, "FirstName: has a control character"},
		{"AddUserWithCard", Params{"LastName": strings.Repeat("x", 65)}, "LastName: at most 64 characters"},
		{"AddUserWithCard", Params{"UserType": "Boss"}, "UserType: use User or Admin"},
		{"AddUserWithPassword", Params{"PIN": "12345678901"}, "PIN: at most 10 digits"},
		{"AddUserWithFingerprint", Params{"Fingerprint": "not base64!"}, "Fingerprint: not valid base64"},
		{"AddUserWithFingerprint", Params{"FingerprintIndex": "10"}, "FingerprintIndex: a number from 0 to 9"},
		{"AddUserWithFingerprint", Params{"FingerprintIndex": "-1"}, "FingerprintIndex: a number from 0 to 9"},
		{"AddUserWithFace", Params{"Face": sampleFingerprint}, "Face: not a base64 JPEG"},
		{"AddUserWithUserPhoto", Params{"UserPhoto": ""}, "UserPhoto: required"},
		{"AddUserWithPalm", Params{"PalmIndex": "x"}, "PalmIndex: a number from 0 to 99"},
		{"LoadLog", Params{"StartTime": "01/02/2025"}, "StartTime: use 2006-01-02 15:04:05"},
		{"LoadLog", Params{"EndTime": ""}, "EndTime: required"},
		{"LoadLog", Params{"EndTime": "2024-12-31 23:59:59"}, "EndTime: before StartTime"},
		{"LoadLog", Params{"OffSet": "-5"}, "OffSet: a row number, 0 or more"},
		{"ResendAttendance", Params{"StartTime": "2025-02-30 00:00:00"}, "StartTime: use 2006-01-02 15:04:05"},
		{"UpdateAccessTime", Params{"End": "2024-01-01 00:00:00"}, "End: before Start"},
		{"UpdateAccessTime", Params{"Start": "2025-01-01 00:00:00 GMT +0530"}, "Start: use 2006-01-02 15:04:05"},
		{"DeleteUser", Params{"Card": "5"}, "Card: unknown parameter; this operation takes UserID"},
		{"DeleteAllUser", Params{"UserID": "1"}, "UserID: this operation takes no parameters"},
		{"EnableUser", Params{"UserID": " "}, "UserID: required"},
		{"EnrollFingerPrint", Params{"FirstName": ""}, "FirstName: required"},
	}
	for _, tt := range tests {
		t.Run(tt.op+"/"+tt.want, func(t *testing.T) {
			op := mustLookup(t, tt.op)
			p := op.Samples()
			for k, v := range tt.change {
				p[k] = v
			}
			_, err := op.Build(p)
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("%v is not a *FieldError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestBuildNormalises(t *testing.T) {
	tests := []struct {
		op     string
		params Params
		want   string
	}{
		{"DeleteUser", Params{"userid": " 7 "}, `{"Delete":{"User":{"UserID":"7"}}`},
		{"AddUserWithoutTemplate", Params{"UserID": "1", "FirstName": "A", "UserType": "USER"}, `"UserType":"User"`},
		{"AddUserWithoutTemplate", Params{"UserID": "1", "FirstName": "A", "UserType": "admin"}, `"UserType":"Admin"`},
		{"AddUserWithoutTemplate", Params{"UserID": "1", "FirstName": "R&D <team>"}, `"FirstName":"R&D <team>"`},
		{"AddUserWithFingerprint", Params{"UserID": "1", "FirstName": "A", "Fingerprint": sampleFingerprint}, `"Index":"0"`},
		{"AddUserWithFingerprint", Params{"UserID": "1", "FirstName": "A", "Fingerprint": sampleFingerprint, "FingerprintIndex": "07"}, `"Index":"7"`},
		{"LoadLog", Params{"StartTime": "2025-1-2 8:00", "EndTime": "2025-01-03 09:00:00 GMT +05:30"},
			`"StartTime":"2025-01-02 08:00:00","EndTime":"2025-01-03 09:00:00 GMT +0530"`},
		{"LoadLog", Params{"StartTime": "2025-01-02 00:00:00", "EndTime": "2025-01-02 00:00:00", "OffSet": "050"}, `"OffSet":"50"`},
		{"LoadLog", Params{"StartTime": "2025-01-02 00:00:00", "EndTime": "2025-01-03 00:00:00", "Card": ""}, `"EndTime":"2025-01-03 00:00:00"}`},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			req, err := mustLookup(t, tt.op).Build(tt.params)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := marshalJSON(req)
			if !strings.Contains(string(got), tt.want) {
				t.Errorf("got %s, want it to contain %s", got, tt.want)
			}
		})
	}
}

func TestBuildReportsEveryProblem(t *testing.T) {
	_, err := mustLookup(t, "AddUserWithCardAndPassword").Build(Params{"Card": "x", "PIN": "y"})
	for _, want := range []string{"UserID: required", "FirstName: required", "Card: digits only", "PIN: digits only"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
}

func TestStampZonesFilterTimes(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in, want string
	}{
		{"2025-01-10 08:00:00", "2025-01-10 08:00:00 GMT -0500"},
		{"2025-07-10 08:00:00", "2025-07-10 08:00:00 GMT -0400"},
		{"2025-07-10 08:00:00 GMT +0100", "2025-07-10 08:00:00 GMT +0100"},
	}
	for _, tt := range tests {
		req := Request{Resend: &ResendRequest{PunchLog: &PunchLogQuery{Filter: Filter{StartTime: tt.in, EndTime: tt.in}}}}
		got := Stamp(req, "x", "y", goldenNow, ny)
		if got.Resend.PunchLog.Filter.StartTime != tt.want || got.Resend.PunchLog.Filter.EndTime != tt.want {
			t.Errorf("%q stamped as %+v, want %q", tt.in, got.Resend.PunchLog.Filter, tt.want)
		}
		if req.Resend.PunchLog.Filter.StartTime != tt.in {
			t.Errorf("Stamp changed its argument")
		}
		if got.Time != "2025-01-14 23:00:00 GMT -0500" {
			t.Errorf("Time = %q", got.Time)
		}
	}
}

func TestIdentify(t *testing.T) {
	tests := []struct {
		body string
		want string
	}{
		{`{"Add":{"User":{"UserID":"1"},"Template":[{"Type":"FingerPrint"},{"Type":"card"}]}}`, "AddUserWithCardAndFingerprint"},
		{`{"Add":{"User":{"UserID":"1"},"Template":[{"Type":"Fingerprint","Index":"0"},{"Type":"Fingerprint","Index":"1"}]}}`, "AddUserWithFingerprint"},
		{`{"Add":{"User":{"UserID":"1"},"Template":[{"Type":"Fingerprint"},{"Type":"Palm"}]}}`, ""},
		{`{"Delete":{"User":"all"}}`, "DeleteAllUser"},
		{`{"Update":{"User":{"UserID":"1","Access":"Disable"}}}`, "DisableUser"},
		{`{"Update":{"User":{"UserID":"1","Access":"maybe"}}}`, ""},
		{`{"Load":{"UserInfo":[]}}`, ""},
	}
	for _, tt := range tests {
		op, ok := Identify(mustDecode(t, tt.body))
		if op.Name != tt.want || ok != (tt.want != "") {
			t.Errorf("Identify(%s) = %q, %v; want %q", tt.body, op.Name, ok, tt.want)
		}
	}
}

func TestAddUserFromTemplates(t *testing.T) {
	user := NewUser{UserID: "EMP-7", FirstName: "Asha", LastName: "Verma", UserType: "USER"}
	fp0 := TemplateData{Type: "FingerPrint", UserID: "7", Data: sampleFingerprint, Size: "1176", Index: "0"}
	fp1 := TemplateData{Type: "Fingerprint", UserID: "7", Data: samplePalm, Index: "1"}
	face := TemplateData{Type: "face", UserID: "7", Data: sampleJPEG, Size: "380"}
	card := TemplateData{Type: "Card", UserID: "7", Data: "0042", Size: "4", Index: "3"}
	photo := TemplateData{Type: "UserPhoto", Data: sampleJPEG, Index: "2"}
	tests := []struct {
		name      string
		templates []TemplateData
		wantOp    string
		want      []TemplateData
	}{
		{"none", nil, "AddUserWithoutTemplate", nil},
		{"card and fingerprint", []TemplateData{fp0, card}, "AddUserWithCardAndFingerprint", []TemplateData{
			{Type: Card, UserID: "EMP-7", Data: "0042"},
			{Type: Fingerprint, UserID: "EMP-7", Data: sampleFingerprint, Size: "1176", Index: "0"},
		}},
		{"two fingers and a face", []TemplateData{face, fp1, fp0}, "AddUserWithTemplates", []TemplateData{
			{Type: Fingerprint, UserID: "EMP-7", Data: sampleFingerprint, Size: "1176", Index: "0"},
			{Type: Fingerprint, UserID: "EMP-7", Data: samplePalm, Size: "36", Index: "1"},
			{Type: Face, UserID: "EMP-7", Data: sampleJPEG, Size: "380", Index: "0"},
		}},
		{"photo", []TemplateData{photo}, "AddUserWithUserPhoto", []TemplateData{
			{Type: UserPhoto, UserID: "EMP-7", Data: sampleJPEG, Size: "380"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, req, err := AddUserFromTemplates(user, tt.templates)
			if err != nil {
				t.Fatal(err)
			}
			if op.Name != tt.wantOp {
				t.Errorf("operation %s, want %s", op.Name, tt.wantOp)
			}
			if req.Add.User.UserType != UserTypeUser || req.Add.User.UserID != "EMP-7" {
				t.Errorf("user %+v", req.Add.User)
			}
			if !reflect.DeepEqual(req.Add.Template, tt.want) {
				t.Errorf("templates\n got %+v\nwant %+v", req.Add.Template, tt.want)
			}
		})
	}
	errTests := []struct {
		user      NewUser
		templates []TemplateData
		want      string
	}{
		{NewUser{}, nil, "UserID: required"},
		{user, []TemplateData{{Type: "Iris", Data: "AA=="}}, `Template[0].Type: unknown template type "Iris"`},
		{user, []TemplateData{fp0, {Type: Face}}, "Template[1].Data: empty"},
		{user, []TemplateData{fp0, {Type: "fingerprint", Data: "AA==", Index: "0"}}, "Template[1]: same type and index as Template[0]"},
	}
	for _, tt := range errTests {
		_, _, err := AddUserFromTemplates(tt.user, tt.templates)
		var fe *FieldError
		if !errors.As(err, &fe) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %v, want a *FieldError with %q", err, tt.want)
		}
	}
}

func TestNewOperationID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		id := NewOperationID()
		if len(id) != OperationIDLength || strings.Trim(id, opIDAlphabet) != "" {
			t.Fatalf("bad id %q", id)
		}
		if seen[id] {
			t.Fatalf("repeated id %q", id)
		}
		seen[id] = true
	}
}
