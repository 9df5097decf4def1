package ui

import (
	"strings"
	"testing"

	"github.com/camsdesk/camsdesk/device"
)

func TestPrettyJSON(t *testing.T) {
	blob := strings.Repeat("QUJD", 30) // 120 base64 characters, 90 bytes
	tests := []struct {
		name string
		in   string
		opt  jsonOptions
		want string
	}{
		{"keeps key order", `{"b":1,"a":{"z":true,"y":null}}`, jsonOptions{},
			"{\n  \"b\": 1,\n  \"a\": {\n    \"z\": true,\n    \"y\": null\n  }\n}"},
		{"shortens blobs", `{"Data":"` + blob + `","Name":"Asha"}`, jsonOptions{shortenBlobs: true},
			"{\n  \"Data\": \"<90 bytes>\",\n  \"Name\": \"Asha\"\n}"},
		{"keeps short text", `{"UserID":"12345678901234567890"}`, jsonOptions{shortenBlobs: true},
			"{\n  \"UserID\": \"12345678901234567890\"\n}"},
		{"drops stamp keys at the top only", `{"Load":{"Time":"x"},"OperationID":"a","AuthToken":"secret","Time":"t"}`,
			jsonOptions{dropTopKeys: stampKeys}, "{\n  \"Load\": {\n    \"Time\": \"x\"\n  }\n}"},
		{"empty containers", `{"a":[],"b":{}}`, jsonOptions{}, "{\n  \"a\": [],\n  \"b\": {}\n}"},
		{"numbers as written", `[1.50, 2e3]`, jsonOptions{}, "[\n  1.50,\n  2e3\n]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := prettyJSON([]byte(tt.in), tt.opt)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	for _, bad := range []string{`{"a":`, `{"a":1} x`, `nul`, ``} {
		if _, err := prettyJSON([]byte(bad), jsonOptions{}); err == nil {
			t.Errorf("prettyJSON(%q) accepted bad JSON", bad)
		}
	}
}

func TestRequestJSONLeavesOutAuthentication(t *testing.T) {
	req := device.Request{Delete: &device.DeleteRequest{Log: device.All}, OperationID: "abc", AuthToken: "SimulatorAuthToken00000000000001", Time: "t"}
	got := requestJSON(req)
	if strings.Contains(got, "AuthToken") || strings.Contains(got, "Simulator") || strings.Contains(got, "OperationID") {
		t.Fatalf("the editor shows authentication fields:\n%s", got)
	}
	if want := "{\n  \"Delete\": {\n    \"Log\": \"All\"\n  }\n}"; got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestJSONProblem(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{\n  \"Load\": {\n    \"x\": ,\n  }\n}", "line 3, column 10"},
		{"", "empty"},
		{"[1]", "one JSON object"},
		{`{"Load": {`, "ends too early"},
	}
	for _, tt := range tests {
		err := jsonProblem(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("jsonProblem(%q) = %v, want it to say %q", tt.in, err, tt.want)
		}
	}
	if err := jsonProblem(`{"Load":{"DeviceInformation":"All"}}`); err != nil {
		t.Errorf("a good request was refused: %v", err)
	}
}

func TestCallbackURLFor(t *testing.T) {
	tests := []struct {
		addr, stgid, lan string
		want, note       string
	}{
		{":5000", "ABC123", "192.168.1.20", "http://192.168.1.20:5000/callback?stgid=ABC123", "public address"},
		{"0.0.0.0:5001", "", "", "http://THIS-PC:5001/callback", "forward port 5001"},
		{"127.0.0.1:5000", "S1", "10.0.0.2", "http://127.0.0.1:5000/callback?stgid=S1", "cannot reach it"},
		{"bad", "S1", "", "", "not host:port"},
	}
	for _, tt := range tests {
		got, note := callbackURLFor(tt.addr, tt.stgid, tt.lan)
		if got != tt.want || !strings.Contains(note, tt.note) {
			t.Errorf("callbackURLFor(%q) = %q, %q; want %q and a note saying %q", tt.addr, got, note, tt.want, tt.note)
		}
	}
}
