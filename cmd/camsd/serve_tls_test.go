package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
)

// selfSigned writes a self-signed certificate for names (and 127.0.0.1) and its key into dir.
func selfSigned(t *testing.T, dir string, serial int64, names ...string) (certFile, keyFile string, leaf *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(60 * 24 * time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ = x509.ParseCertificate(der)
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	for path, b := range map[string][]byte{
		keyFile:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		certFile: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
	} {
		if err := os.WriteFile(path+".new", b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".new", path); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile, leaf
}

var receivingURL = regexp.MustCompile(`receiving callbacks on (https?)://(\S+)/callback`)

// startServeWith runs "camsd serve" in-process with args and returns the address it listens on, its exit
// code channel and its output. It stops when ctx ends.
func startServeWith(t *testing.T, ctx context.Context, args ...string) (string, <-chan int, *lockedBuffer) {
	t.Helper()
	out := &lockedBuffer{}
	codes := make(chan int, 1)
	go func() {
		codes <- execute(ctx, append([]string{"serve"}, args...), strings.NewReader(""), out, out, func(string) string { return "" })
	}()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if m := receivingURL.FindStringSubmatch(out.String()); m != nil {
			return m[2], codes, out
		}
		select {
		case code := <-codes:
			t.Fatalf("serve exited %d: %s", code, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start: %s", out.String())
	return "", nil, nil
}

// waitOutput reports whether want shows in out within 10 s: serve prints its announcement after the line
// startServeWith waits for.
func waitOutput(out *lockedBuffer, want string) bool {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(out.String(), want) {
			return true
		}
	}
	return strings.Contains(out.String(), want)
}

func stopServe(t *testing.T, cancel context.CancelFunc, codes <-chan int, out *lockedBuffer) {
	t.Helper()
	cancel()
	select {
	case code := <-codes:
		if code != exitOK {
			t.Errorf("serve exit %d: %s", code, out.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not stop")
	}
}

func httpsClient(serverName string, roots ...*x509.Certificate) *http.Client {
	pool := x509.NewCertPool()
	for _, c := range roots {
		pool.AddCert(c)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, ServerName: serverName}, ForceAttemptHTTP2: true, DisableKeepAlives: true}}
}

func servedCertSerial(t *testing.T, addr string) int64 {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

func getBody(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeHTTPSCertFiles: serve over HTTPS with certificate files stores callbacks, counts them at /metrics,
// prints the URL for API Monitor, and serves a renewed certificate after SIGHUP.
func TestServeHTTPSCertFiles(t *testing.T) {
	config, dataDir, certDir := rcvConfig(t), t.TempDir(), t.TempDir()
	certFile, keyFile, leaf := selfSigned(t, certDir, 1, "cams.example.test")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, codes, out := startServeWith(t, ctx, "--config", config, "--data-dir", dataDir, "--listen", "127.0.0.1:0",
		"--tls-cert", certFile, "--tls-key", keyFile)
	_, port, _ := net.SplitHostPort(addr)
	if want := "callback URL for API Monitor (device Main Gate): https://cams.example.test:" + port + "/callback?stgid=" + rcvSTGID; !waitOutput(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out.String())
	}
	if !strings.Contains(out.String(), "receiving callbacks on https://") || strings.Contains(out.String(), "accepts only an HTTPS") {
		t.Errorf("output:\n%s", out.String())
	}

	client := httpsClient("cams.example.test", leaf)
	base := "https://" + addr
	for i := 0; i < 2; i++ {
		resp, err := client.Post(base+"/callback?stgid="+rcvSTGID, "application/json", bytes.NewReader(rcvSample(t, "11_punch_log.json")))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != `{"status":"done"}` || resp.ProtoMajor != 2 {
			t.Errorf("callback over HTTPS: %s %s", resp.Proto, b)
		}
	}
	if code, body := getBody(t, client, base+"/healthz"); code != 200 {
		t.Errorf("healthz: %d %s", code, body)
	}
	code, metrics := getBody(t, client, base+"/metrics")
	for _, want := range []string{`cams_callbacks_total{kind="PunchLog",result="accepted"} 2`, "cams_punches_stored_total 1",
		"cams_callback_duration_seconds_count 2", "cams_journal_backlog 0", "go_goroutines"} {
		if code != 200 || !strings.Contains(metrics, want) {
			t.Errorf("/metrics (%d) lacks %q", code, want)
		}
	}

	if runtime.GOOS != "windows" {
		_, _, leaf2 := selfSigned(t, certDir, 2, "cams.example.test")
		proc, _ := os.FindProcess(os.Getpid())
		if err := proc.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(10 * time.Second)
		for servedCertSerial(t, addr) != 2 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		if got := servedCertSerial(t, addr); got != 2 {
			t.Errorf("after SIGHUP the certificate served is serial %d, want 2", got)
		}
		if code, _ := getBody(t, httpsClient("cams.example.test", leaf2), base+"/healthz"); code != 200 {
			t.Errorf("healthz with the renewed certificate: %d", code)
		}
	}
	stopServe(t, cancel, codes, out)
}

// TestServeAutocert: with a certificate already in <data>/acme, serve answers HTTPS for the domain without
// contacting a CA, prints the domain's callback URL and answers challenges on the HTTP address.
func TestServeAutocert(t *testing.T) {
	config, dataDir := rcvConfig(t), t.TempDir()
	const domain = "cams.example.test"
	cacheDir := filepath.Join(dataDir, ACMECacheDir)
	if err := os.MkdirAll(cacheDir, 0o700); err != nil {
		t.Fatal(err)
	}
	certFile, keyFile, leaf := selfSigned(t, t.TempDir(), 5, domain)
	certPEM, _ := os.ReadFile(certFile)
	keyPEM, _ := os.ReadFile(keyFile)
	if err := os.WriteFile(filepath.Join(cacheDir, domain), append(keyPEM, certPEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The directory URL points nowhere: nothing may be fetched.
	addr, codes, out := startServeWith(t, ctx, "--config", config, "--data-dir", dataDir, "--listen", "127.0.0.1:0",
		"--tls-domain", domain, "--acme-http", "127.0.0.1:0", "--acme-email", "it@example.test", "--acme-directory", "http://127.0.0.1:1/directory")
	for _, want := range []string{
		"callback URL for API Monitor (device Main Gate): https://" + domain + "/callback?stgid=" + rcvSTGID,
		"forward TCP port 443 from the internet to port",
		"automatic certificates for " + domain + " (kept in " + cacheDir + ")",
	} {
		if !waitOutput(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if code, body := getBody(t, httpsClient(domain, leaf), "https://"+addr+"/healthz"); code != 200 {
		t.Errorf("healthz: %d %s", code, body)
	}
	m := regexp.MustCompile(`challenges on http://(\S+) `).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("no challenge address in:\n%s", out.String())
	}
	req, _ := http.NewRequest(http.MethodGet, "http://"+m[1]+"/healthz", nil)
	req.Host = domain
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "https://"+domain+"/healthz" {
		t.Errorf("port-80 answer: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if !waitOutput(out, "automatic certificates ready") {
		t.Errorf("the cached certificate was not taken:\n%s", out.String())
	}
	stopServe(t, cancel, codes, out)
}

// TestServePlainHTTPWarning: plain HTTP on a network address warns that API Monitor needs HTTPS; on
// loopback it does not. --metrics=false leaves /metrics out.
func TestServePlainHTTPWarning(t *testing.T) {
	tests := []struct {
		listen string
		warn   bool
	}{
		{"127.0.0.1:0", false},
		{"0.0.0.0:0", true},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithCancel(context.Background())
		addr, codes, out := startServeWith(t, ctx, "--config", rcvConfig(t), "--data-dir", t.TempDir(), "--listen", tt.listen, "--metrics=false")
		// The warning is logged before the callback URL is printed.
		if !waitOutput(out, "https://YOUR-PUBLIC-NAME/callback?stgid="+rcvSTGID) {
			t.Errorf("%s: no callback URL pattern:\n%s", tt.listen, out.String())
		}
		if got := strings.Contains(out.String(), "API Monitor accepts only an HTTPS callback URL"); got != tt.warn {
			t.Errorf("%s: warning %v, want %v:\n%s", tt.listen, got, tt.warn, out.String())
		}
		_, port, _ := net.SplitHostPort(addr)
		if code, _ := getBody(t, http.DefaultClient, "http://127.0.0.1:"+port+"/metrics"); code != http.StatusNotFound {
			t.Errorf("%s: /metrics with --metrics=false: %d", tt.listen, code)
		}
		stopServe(t, cancel, codes, out)
	}
}

// TestServeTLSFlagErrors: wrong TLS flags and files stop serve with a clear error and the right exit code.
func TestServeTLSFlagErrors(t *testing.T) {
	config, certDir := rcvConfig(t), t.TempDir()
	certFile, _, _ := selfSigned(t, certDir, 1, "cams.example.test")
	_, otherKey, _ := selfSigned(t, t.TempDir(), 2, "other.example.test")
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"cert without key", []string{"--tls-cert", certFile}, exitUsage, "--tls-cert and --tls-key go together"},
		{"cert and domain", []string{"--tls-cert", certFile, "--tls-key", otherKey, "--tls-domain", "cams.example.test"}, exitUsage, "not both"},
		{"acme without domain", []string{"--acme-email", "it@example.test"}, exitUsage, "go with --tls-domain"},
		{"domain with scheme", []string{"--tls-domain", "https://cams.example.test"}, exitUsage, "without https://"},
		{"bad challenge address", []string{"--tls-domain", "cams.example.test", "--acme-http", "eighty"}, exitUsage, "such as :80"},
		{"bad email", []string{"--tls-domain", "cams.example.test", "--acme-email", "it"}, exitFailure, "not an email address"},
		{"key of another certificate", []string{"--tls-cert", certFile, "--tls-key", otherKey}, exitFailure, "does not belong to the certificate"},
		{"missing key file", []string{"--tls-cert", certFile, "--tls-key", filepath.Join(certDir, "none.pem")}, exitFailure, "does not exist"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dataDir := t.TempDir()
			r := run(t, nil, append([]string{"serve", "--config", config, "--data-dir", dataDir, "--listen", "127.0.0.1:0"}, tt.args...)...)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d (want %d), stderr %s", r.code, tt.wantCode, r.stderr)
			}
			if fileExists(filepath.Join(dataDir, data.DBFileName)) {
				t.Error("the database was opened before the TLS settings were checked")
			}
		})
	}
}

// TestServeDBFlag: --db names the database: a SQLite file elsewhere, or a PostgreSQL URL whose password is
// never printed.
func TestServeDBFlag(t *testing.T) {
	config, dataDir := rcvConfig(t), t.TempDir()
	dbFile := filepath.Join(t.TempDir(), "elsewhere.db")
	ctx, cancel := context.WithCancel(context.Background())
	addr, codes, out := startServeWith(t, ctx, "--config", config, "--data-dir", dataDir, "--listen", "127.0.0.1:0", "--db", dbFile)
	postDone(t, "http://"+addr+"/callback?stgid="+rcvSTGID, rcvSample(t, "11_punch_log.json"))
	stopServe(t, cancel, codes, out)
	if !strings.Contains(out.String(), "database SQLite "+dbFile) || fileExists(filepath.Join(dataDir, data.DBFileName)) {
		t.Errorf("not in %s:\n%s", dbFile, out.String())
	}
	store, err := data.Open(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	n, err := store.CountPunches(context.Background(), data.PunchFilter{})
	store.Close()
	if err != nil || n != 1 {
		t.Errorf("%d punches in %s (%v)", n, dbFile, err)
	}

	// Nothing listens on port 1: the connection is refused at once, and the error keeps the password hidden.
	r := run(t, nil, "serve", "--config", config, "--data-dir", t.TempDir(), "--listen", "127.0.0.1:0",
		"--db", "postgres://camsdesk:S3cretPw@127.0.0.1:1/camsdesk?connect_timeout=5")
	if r.code != exitFailure || !strings.Contains(r.stderr, "PostgreSQL") || strings.Contains(r.stderr+r.stdout, "S3cretPw") {
		t.Errorf("exit %d, stderr %s", r.code, r.stderr)
	}
}
