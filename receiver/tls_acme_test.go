package receiver

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/camsdesk/camsdesk/data/datatest"
)

const acmeDomain = "cams.example.test"

func TestParseDomains(t *testing.T) {
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"cams.example.com", []string{"cams.example.com"}, ""},
		{" Cams.Example.com. , b.example.com,cams.example.com,", []string{"cams.example.com", "b.example.com"}, ""},
		{"bücher.example", []string{"xn--bcher-kva.example"}, ""},
		{"https://cams.example.com", nil, "without https://"},
		{"cams.example.com:443", nil, "without https://"},
		{"*.example.com", nil, "wildcard"},
		{"203.0.113.7", nil, "IP address"},
		{"localhost", nil, "full public name"},
		{"bad_name!.example.com", nil, "not a valid domain"},
		{" , ", nil, "no domain"},
	}
	for _, tt := range tests {
		got, err := ParseDomains(tt.in)
		switch {
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("%q: err %v, want %q", tt.in, err, tt.wantErr)
		case tt.wantErr == "" && (err != nil || !slices.Equal(got, tt.want)):
			t.Errorf("%q = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// TestAutocertConfig: the host policy, cache folder, TLS settings and port-80 handler, without any network.
func TestAutocertConfig(t *testing.T) {
	cache := filepath.Join(t.TempDir(), "acme")
	a, err := NewAutocert(AutocertOptions{Domains: []string{acmeDomain, "b.example.test"}, CacheDir: cache, Email: "it@example.test"})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(cache); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("cache folder: %v %v", fi, err)
	}
	for host, ok := range map[string]bool{acmeDomain: true, "b.example.test": true, "evil.example.test": false, "example.test": false} {
		if err := a.HostPolicy(context.Background(), host); (err == nil) != ok {
			t.Errorf("HostPolicy(%s) = %v", host, err)
		}
	}
	tc := a.TLSConfig()
	if tc.MinVersion != tls.VersionTLS12 || !slices.Contains(tc.NextProtos, "acme-tls/1") || !slices.Contains(tc.NextProtos, "h2") || tc.GetCertificate == nil {
		t.Errorf("TLS config: min %x, protos %v", tc.MinVersion, tc.NextProtos)
	}
	if _, err := tc.GetCertificate(&tls.ClientHelloInfo{ServerName: "evil.example.test"}); err == nil {
		t.Error("a certificate was asked for a name not configured")
	}

	srv := httptest.NewServer(a.HTTPHandler())
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	tests := []struct {
		method, host, path string
		wantCode           int
		wantLocation       string
	}{
		{"GET", acmeDomain, "/.well-known/acme-challenge/unknown-token", http.StatusNotFound, ""},
		{"GET", "evil.example.test", "/.well-known/acme-challenge/unknown-token", http.StatusForbidden, ""},
		{"GET", acmeDomain, "/healthz", http.StatusFound, "https://" + acmeDomain + "/healthz"},
		{"POST", acmeDomain, "/callback", http.StatusBadRequest, ""},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		req.Host = tt.host
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.wantCode || resp.Header.Get("Location") != tt.wantLocation {
			t.Errorf("%s %s%s: %d %q", tt.method, tt.host, tt.path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}

	for _, o := range []AutocertOptions{
		{CacheDir: cache},
		{Domains: []string{acmeDomain}},
		{Domains: []string{acmeDomain}, CacheDir: cache, Email: "not-an-address"},
	} {
		if _, err := NewAutocert(o); err == nil {
			t.Errorf("NewAutocert(%+v) took it", o)
		}
	}
}

// TestAutocertServesCachedCertificate: a certificate in the cache is served over HTTPS for its name, with
// no CA contacted.
func TestAutocertServesCachedCertificate(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		cache := t.TempDir()
		cert := newTestCert(t, 7, acmeDomain)
		if err := os.WriteFile(filepath.Join(cache, acmeDomain), append(append([]byte(nil), cert.keyPEM...), cert.certPEM...), 0o600); err != nil {
			t.Fatal(err)
		}
		a, err := NewAutocert(AutocertOptions{Domains: []string{acmeDomain}, CacheDir: cache, DirectoryURL: "http://127.0.0.1:1/unused"})
		if err != nil {
			t.Fatal(err)
		}
		srv := serveTLS(t, g.rcv.Handler(), a.TLSConfig())
		if err := a.Prefetch("", srv.Addr().String()); err != nil {
			t.Fatalf("Prefetch with the certificate cached: %v", err)
		}
		client := tlsClient(0, cert.leaf)
		client.Transport.(*http.Transport).TLSClientConfig.ServerName = acmeDomain
		resp, err := client.Get("https://" + srv.Addr().String() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || resp.TLS == nil || resp.TLS.PeerCertificates[0].SerialNumber.Int64() != 7 {
			t.Errorf("healthz over automatic HTTPS: %d", resp.StatusCode)
		}
		other := tlsClient(0, cert.leaf)
		other.Transport.(*http.Transport).TLSClientConfig.ServerName = "evil.example.test"
		if _, err := other.Get("https://" + srv.Addr().String() + "/healthz"); err == nil {
			t.Error("served a name that is not configured")
		}
	})
}

// TestAutocertPrefetchExplains: when the CA cannot be used, the error names the domain and the ports to open.
func TestAutocertPrefetchExplains(t *testing.T) {
	ca := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		http.Error(w, `{"type":"urn:ietf:params:acme:error:unauthorized","detail":"refused for a test"}`, http.StatusForbidden)
	}))
	defer ca.Close()
	tests := []struct {
		httpAddr string
		want     []string
	}{
		{"[::]:80", []string{acmeDomain, "refused for a test", "TCP port 80 must reach this machine's port 80", "TCP port 443 must reach this machine's port 8443", "DNS"}},
		{"", []string{acmeDomain, "refused for a test", "TCP port 443 must reach this machine's port 8443"}},
	}
	for _, tt := range tests {
		a, err := NewAutocert(AutocertOptions{Domains: []string{acmeDomain}, CacheDir: t.TempDir(), DirectoryURL: ca.URL + "/directory"})
		if err != nil {
			t.Fatal(err)
		}
		err = a.Prefetch(tt.httpAddr, "0.0.0.0:8443")
		if err == nil {
			t.Fatal("Prefetch without a CA succeeded")
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error %q does not say %q", err, w)
			}
		}
		if tt.httpAddr == "" && strings.Contains(err.Error(), "port 80") {
			t.Errorf("HTTP-01 is off, yet: %v", err)
		}
	}

	// A CA this machine cannot reach is this machine's outgoing problem, not the ports.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gone := "http://" + l.Addr().String() + "/directory"
	l.Close()
	a, err := NewAutocert(AutocertOptions{Domains: []string{acmeDomain}, CacheDir: t.TempDir(), DirectoryURL: gone})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Prefetch(":80", ":443")
	if err == nil || !strings.Contains(err.Error(), "could not reach the certificate authority") || strings.Contains(err.Error(), "must reach this machine") {
		t.Errorf("unreachable CA: %v", err)
	}
}
