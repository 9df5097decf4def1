package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
)

const (
	rcvToken   = "A1B2C3D4E5F6G7H8I9J0K1L2M3N4O5P6" // the token of the device/testdata callbacks
	rcvSTGID   = "STG-MAIN"
	rcvSamples = "../../device/testdata/callbacks"
)

// rcvConfig writes a config with the device the sample callbacks come from.
func rcvConfig(t *testing.T) string {
	t.Helper()
	return writeConfig(t, `{"devices":[{"name":"Main Gate","restful_endpoint":"https://gw.example.com/external/api3.0/biometric",
"stgid":"`+rcvSTGID+`","auth_token":"`+rcvToken+`","callback_auth_token":"`+rcvToken+`","time_zone":"+05:30"}]}`)
}

func rcvSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(rcvSamples, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServe runs "camsd serve" in-process on a free port and returns its base URL and its exit code channel.
func startServe(t *testing.T, ctx context.Context, config, dataDir string) (string, <-chan int, *lockedBuffer) {
	t.Helper()
	addr, codes, out := startServeWith(t, ctx, "--config", config, "--data-dir", dataDir, "--listen", "127.0.0.1:0")
	return "http://" + addr, codes, out
}

func postDone(t *testing.T, url string, body []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(b) != `{"status":"done"}` {
		t.Fatalf("reply %d %s", resp.StatusCode, b)
	}
}

// TestServeAndList: serve stores the samples and stops cleanly; punches, users and events list them.
func TestServeAndList(t *testing.T) {
	config, dataDir := rcvConfig(t), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	base, codes, out := startServe(t, ctx, config, dataDir)
	for _, f := range []string{"11_punch_log.json", "odd_several_subkeys.json", "05_user_updated_fingerprint.json",
		"06_user_updated_face.json", "01_user_deleted.json", "02_date_modified.json"} {
		postDone(t, base+"/callback?stgid="+rcvSTGID, rcvSample(t, f))
	}
	resp, err := http.Get(base + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("healthz: %v", err)
	}
	resp.Body.Close()
	cancel()
	select {
	case code := <-codes:
		if code != exitOK {
			t.Fatalf("serve exit %d: %s", code, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
	if strings.Contains(out.String(), rcvToken) {
		t.Error("serve printed a token")
	}

	r := run(t, nil, "punches", "--config", config, "--data-dir", dataDir, "--format", "json")
	if r.code != exitOK {
		t.Fatalf("punches: %d %s", r.code, r.stderr)
	}
	var punches []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &punches); err != nil {
		t.Fatalf("punches JSON: %v\n%s", err, r.stdout)
	}
	if len(punches) != 2 {
		t.Fatalf("%d punches: %s", len(punches), r.stdout)
	}
	p := punches[0] // oldest first: user 2 at 07:48:22 +05:30
	want := map[string]any{"device": "Main Gate", "user_id": "2", "type": "CheckIn", "input_type": "Fingerprint",
		"temperature": 36.8, "face_mask": false, "log_time": "2020-09-17 07:48:22 GMT +0530", "utc": "2020-09-17T02:18:22Z",
		"source": "callback", "photo": ""}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("punch %s = %v, want %v", k, p[k], v)
		}
	}
	if photo := punches[1]["photo"].(string); photo != "photos/STG-MAIN/2020-09-17/3_180210.jpg" {
		t.Errorf("second punch photo = %q", photo)
	} else if _, err := os.Stat(filepath.Join(dataDir, photo)); err != nil {
		t.Errorf("photo file: %v", err)
	}

	r = run(t, nil, "punches", "--config", config, "--data-dir", dataDir, "--format", "csv", "--user", "3", "--from", "2020-09-17", "--to", "2020-09-17")
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if r.code != exitOK || err != nil || len(rows) != 2 || rows[0][1] != "user_id" || rows[1][1] != "3" {
		t.Errorf("punches csv: %d %v %q %s", r.code, err, r.stdout, r.stderr)
	}
	if r := run(t, nil, "punches", "--config", config, "--data-dir", dataDir, "--from", "2020-09-18"); r.stdout != "[]\n" {
		t.Errorf("no punches: %q", r.stdout)
	}

	r = run(t, nil, "users", "--config", config, "--data-dir", dataDir, "--format", "json")
	var users []struct {
		Device    string `json:"device"`
		UserID    string `json:"user_id"`
		FirstName string `json:"first_name"`
		Deleted   bool   `json:"deleted"`
		Templates []struct {
			Type  string `json:"type"`
			Index string `json:"index"`
			Size  int    `json:"size"`
			Data  string `json:"data"`
		} `json:"templates"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &users); err != nil || r.code != exitOK {
		t.Fatalf("users: %d %v %s %s", r.code, err, r.stdout, r.stderr)
	}
	if len(users) != 2 || users[0].UserID != "1" || !users[0].Deleted || users[1].UserID != "3" || users[1].FirstName != "Asha" {
		t.Fatalf("users = %+v", users)
	}
	if ts := users[1].Templates; len(ts) != 2 || ts[0].Type != "Face" || ts[1].Type != "Fingerprint" || ts[1].Size != 1176 ||
		!strings.HasPrefix(ts[0].Data, "/9j/") || !strings.HasPrefix(ts[1].Data, "TU9DSyBG") {
		t.Errorf("templates = %+v", ts)
	}

	r = run(t, nil, "events", "--config", config, "--data-dir", dataDir, "--format", "json")
	var events []map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &events); err != nil || len(events) != 2 {
		t.Fatalf("events: %v %s", err, r.stdout)
	}
	kinds := events[0]["kind"] + "," + events[1]["kind"]
	if !strings.Contains(kinds, data.EventDateModified) || !strings.Contains(kinds, data.EventUserDeleted) {
		t.Errorf("events = %v", events)
	}

	if r := run(t, nil, "replay", "--config", config, "--data-dir", dataDir); r.code != exitOK || !strings.Contains(r.stdout, "0 callbacks stored") {
		t.Errorf("replay: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

func TestListFormatsAndDates(t *testing.T) {
	config, dataDir := rcvConfig(t), t.TempDir()
	for _, args := range [][]string{
		{"punches", "--format", "xml"},
		{"punches", "--from", "17/09/2020"},
		{"users", "--format", "csv"},
		{"events", "--format", "yaml"},
	} {
		r := run(t, nil, append(args, "--config", config, "--data-dir", dataDir)...)
		if r.code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, r.code, exitUsage, r.stderr)
		}
	}
	if r := run(t, nil, "punches", "--config", config, "--data-dir", filepath.Join(dataDir, "none")); r.code != exitFailure {
		t.Errorf("missing data dir: exit %d", r.code)
	}
}

// TestReplayRebuilds: with the database gone, replay stores every journaled callback again, once.
func TestReplayRebuilds(t *testing.T) {
	config, dataDir := rcvConfig(t), t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	base, codes, _ := startServe(t, ctx, config, dataDir)
	postDone(t, base+"/callback", rcvSample(t, "11_punch_log.json"))
	postDone(t, base+"/callback", rcvSample(t, "odd_batch_resend.json"))
	cancel()
	<-codes
	for _, s := range []string{"", "-wal", "-shm"} {
		os.Remove(filepath.Join(dataDir, data.DBFileName+s))
	}
	r := run(t, nil, "replay", "--config", config, "--data-dir", dataDir)
	if r.code != exitOK || !strings.Contains(r.stdout, "2 callbacks stored") {
		t.Fatalf("replay: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, "replay", "--config", config, "--data-dir", dataDir)
	if r.code != exitOK || !strings.Contains(r.stdout, "0 callbacks stored") {
		t.Fatalf("second replay: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, nil, "punches", "--config", config, "--data-dir", dataDir)
	var ps []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &ps); err != nil || len(ps) != 3 {
		t.Errorf("punches after replay: %v %s", err, r.stdout)
	}
}

func TestServePortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := run(t, nil, "serve", "--config", rcvConfig(t), "--data-dir", t.TempDir(), "--listen", ln.Addr().String())
	if r.code != exitFailure || !strings.Contains(r.stderr, "already in use") {
		t.Errorf("exit %d, stderr %s", r.code, r.stderr)
	}
}

// TestServeSurvivesSIGKILL kills a camsd serve process mid-load and shows after a restart that every
// acknowledged callback is stored.
func TestServeSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds camsd and runs it under load")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "camsd")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	config, dataDir := rcvConfig(t), filepath.Join(dir, "data")
	addr := freePort(t)
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve", "--config", config, "--data-dir", dataDir, "--listen", addr)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, "http://"+addr)
		return cmd
	}
	proc := start()

	// Distinct punches from 16 connections until the kill; remember which were acknowledged.
	var (
		acked   sync.Map
		nAcked  atomic.Int64
		stop    atomic.Bool
		wg      sync.WaitGroup
		workers = 16
	)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
	sample := string(rcvSample(t, "11_punch_log.json"))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; !stop.Load() && i < 100000; i++ {
				user := fmt.Sprintf("k%d", w)
				at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Second).Format("2006-01-02 15:04:05")
				body := strings.Replace(strings.Replace(sample, `"UserId":"2"`, `"UserId":"`+user+`"`, 1),
					"2020-09-17 07:48:22 GMT +0530", at+" GMT +0000", 1)
				resp, err := client.Post("http://"+addr+"/callback?stgid="+rcvSTGID, "application/json", strings.NewReader(body))
				if err != nil {
					return // the server is gone
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 && string(b) == `{"status":"done"}` {
					acked.Store(user+"|"+at, true)
					nAcked.Add(1)
				}
			}
		}()
	}
	deadline := time.Now().Add(20 * time.Second)
	for nAcked.Load() < 2000 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := proc.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	proc.Wait()
	stop.Store(true)
	wg.Wait()
	if nAcked.Load() == 0 {
		t.Fatal("no callback was acknowledged before the kill")
	}

	proc = start() // applies the journal
	proc.Process.Signal(syscall.SIGTERM)
	proc.Wait()
	store, err := data.OpenDir(dataDir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	stored := map[string]bool{}
	err = store.EachPunch(context.Background(), data.PunchFilter{}, func(p data.PunchRow) error {
		stored[p.UserID+"|"+p.UTC.Format("2006-01-02 15:04:05")] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	acked.Range(func(k, _ any) bool {
		if !stored[k.(string)] {
			missing++
		}
		return true
	})
	t.Logf("acknowledged %d before SIGKILL, stored %d after restart", nAcked.Load(), len(stored))
	if missing > 0 {
		t.Errorf("%d acknowledged callbacks are not stored", missing)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("camsd serve did not become healthy")
}
