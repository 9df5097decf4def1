package receiver

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
)

// testCert is a self-signed certificate for localhost and 127.0.0.1, with its key, as PEM.
type testCert struct {
	leaf    *x509.Certificate
	certPEM []byte
	keyPEM  []byte
}

func newTestCert(t testing.TB, serial int64, names ...string) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		names = []string{"localhost"}
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: names[0]},
		DNSNames:     names,
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(90 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return testCert{leaf: leaf, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM: pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})}
}

// write puts the pair into dir/cert.pem and dir/key.pem (replacing the files, as a renewal does).
func (c testCert) write(t testing.TB, dir string) (certFile, keyFile string) {
	t.Helper()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	writeAtomic(t, keyFile, c.keyPEM)
	writeAtomic(t, certFile, c.certPEM)
	return certFile, keyFile
}

func writeAtomic(t testing.TB, path string, b []byte) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// tlsClient trusts the given certificates only, and may be limited to older TLS versions.
func tlsClient(maxVersion uint16, certs ...*x509.Certificate) *http.Client {
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   &tls.Config{RootCAs: pool, MaxVersion: maxVersion},
		ForceAttemptHTTP2: true,
		DisableKeepAlives: true,
	}}
}

// servedSerial connects to addr and returns the serial number of the certificate it shows.
func servedSerial(t *testing.T, addr string) int64 {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true, ServerName: "localhost"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
}

// serveTLS runs a Server over HTTPS on loopback until the test ends.
func serveTLS(t *testing.T, h http.Handler, tc *tls.Config) *Server {
	t.Helper()
	srv, err := ListenWith("127.0.0.1:0", h, ServerOptions{TLS: tc, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve() }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return srv
}

// TestHTTPSCallbacks: over HTTPS (HTTP/2, TLS 1.2 at least) the receiver answers /healthz and stores callbacks.
func TestHTTPSCallbacks(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		cert := newTestCert(t, 1)
		files, err := LoadCertFiles(writeTo(t, cert))
		if err != nil {
			t.Fatal(err)
		}
		srv := serveTLS(t, g.rcv.Handler(), files.TLSConfig())
		if !srv.TLS() {
			t.Error("TLS() = false")
		}
		base := "https://" + srv.Addr().String()
		client := tlsClient(0, cert.leaf)

		resp, err := client.Get(base + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"ok"`) || resp.ProtoMajor != 2 {
			t.Errorf("healthz: %s %d %s", resp.Proto, resp.StatusCode, body)
		}
		resp, err = client.Post(base+"/callback?stgid="+mainSTGID, "application/json", strings.NewReader(string(fixture(t, "11_punch_log.json"))))
		if err != nil {
			t.Fatal(err)
		}
		checkDone(t, resp)
		if rows := g.punches(data.PunchFilter{}); len(rows) != 1 || rows[0].UserID != "2" {
			t.Errorf("punches = %+v", rows)
		}

		if _, err := tlsClient(tls.VersionTLS11, cert.leaf).Get(base + "/healthz"); err == nil {
			t.Error("a TLS 1.1 client was served")
		}
		if _, err := tlsClient(0).Get(base + "/healthz"); err == nil {
			t.Error("a client that does not trust the certificate was served")
		}
	})
}

func writeTo(t *testing.T, c testCert) (string, string, *slog.Logger) {
	t.Helper()
	cf, kf := c.write(t, t.TempDir())
	return cf, kf, slog.New(slog.NewTextHandler(io.Discard, nil))
}

// TestCertReload: a renewed pair is served after Reload (SIGHUP) and, without asking, after Watch notices
// the files changed; a broken pair keeps the previous one in service.
func TestCertReload(t *testing.T) {
	dir := t.TempDir()
	logs := &syncBuffer{}
	certFile, keyFile := newTestCert(t, 1).write(t, dir)
	files, err := LoadCertFiles(certFile, keyFile, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := serveTLS(t, http.NotFoundHandler(), files.TLSConfig())
	addr := srv.Addr().String()
	if got := servedSerial(t, addr); got != 1 {
		t.Fatalf("serial %d, want 1", got)
	}

	if changed, err := files.Reload(); changed || err != nil {
		t.Errorf("Reload of unchanged files = %v, %v", changed, err)
	}
	newTestCert(t, 2).write(t, dir)
	if changed, err := files.Reload(); !changed || err != nil {
		t.Fatalf("Reload = %v, %v", changed, err)
	}
	if got := servedSerial(t, addr); got != 2 {
		t.Errorf("after Reload: serial %d, want 2", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go files.Watch(ctx, 10*time.Millisecond)
	newTestCert(t, 3).write(t, dir)
	waitFor(t, "the watcher to serve serial 3", func() bool { return servedSerial(t, addr) == 3 })

	// A renewal caught half written: the new key with the old certificate.
	writeAtomic(t, keyFile, newTestCert(t, 4).keyPEM)
	waitFor(t, "the watcher to refuse the pair", func() bool { return strings.Contains(logs.String(), "not reloaded") })
	refusals := strings.Count(logs.String(), "not reloaded")
	time.Sleep(100 * time.Millisecond) // ten more looks at the unchanged broken pair
	if n := strings.Count(logs.String(), "not reloaded"); n != refusals {
		t.Errorf("the broken pair was logged again (%d times, then %d), want once", refusals, n)
	}
	if got := servedSerial(t, addr); got != 3 {
		t.Errorf("after a broken pair: serial %d, want 3 still", got)
	}
	if _, err := files.Reload(); err == nil || !strings.Contains(err.Error(), "does not belong") {
		t.Errorf("Reload of a broken pair: %v", err)
	}
	newTestCert(t, 5).write(t, dir)
	waitFor(t, "the watcher to serve serial 5", func() bool { return servedSerial(t, addr) == 5 })
	if names := files.CertNames(); len(names) != 2 || names[0] != "localhost" || names[1] != "127.0.0.1" {
		t.Errorf("CertNames = %v", names)
	}
}

// TestCertFileErrors: each usual mistake gets an error that says what is wrong.
func TestCertFileErrors(t *testing.T) {
	dir := t.TempDir()
	a, b := newTestCert(t, 1), newTestCert(t, 2)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})
	file := func(name string, content []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	aCert, aKey, bKey := file("a.crt", a.certPEM), file("a.key", a.keyPEM), file("b.key", b.keyPEM)
	tests := []struct {
		name      string
		cert, key string
		want      []string
	}{
		{"mismatch", aCert, bKey, []string{"does not belong", bKey, aCert}},
		{"mismatch RSA", aCert, file("rsa.key", rsaPEM), []string{"does not belong"}},
		{"swapped", aKey, aCert, []string{"swapped"}},
		{"no certificate", file("junk.crt", []byte("hello")), aKey, []string{"no PEM certificate", "junk.crt"}},
		{"no key", aCert, file("junk.key", a.certPEM[:len(a.certPEM)/2]), []string{"no PEM private key", "junk.key"}},
		{"missing certificate", filepath.Join(dir, "none.crt"), aKey, []string{"certificate file", "none.crt", "does not exist"}},
		{"missing key", aCert, filepath.Join(dir, "none.key"), []string{"key file", "none.key", "does not exist"}},
		{"a folder", dir, aKey, []string{"cannot be read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadCertFiles(tt.cert, tt.key, nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	if _, err := LoadCertFiles(aCert, aKey, nil); err != nil {
		t.Errorf("the right pair: %v", err)
	}
}

// TestCertFileUnreadable: a file the user may not read says so (root reads everything, so not as root).
func TestCertFileUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads every file")
	}
	a := newTestCert(t, 1)
	certFile, keyFile := a.write(t, t.TempDir())
	if err := os.Chmod(keyFile, 0); err != nil {
		t.Fatal(err)
	}
	_, err := LoadCertFiles(certFile, keyFile, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot be read by this user") {
		t.Errorf("err = %v", err)
	}
}
