package receiver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"
	"golang.org/x/net/idna"
)

// AutocertOptions configure automatic certificates from an ACME CA (Let's Encrypt unless DirectoryURL).
type AutocertOptions struct {
	Domains []string // public DNS names, from ParseDomains
	// CacheDir keeps the account key and the certificates (created with mode 0700).
	CacheDir string
	// Email is given to the CA for expiry notices; may be empty.
	Email string
	// DirectoryURL is the CA's ACME directory ("" for Let's Encrypt; its staging one for trials).
	DirectoryURL string
}

// Autocert gets and renews certificates for its domains. Challenges are answered over TLS-ALPN on the HTTPS
// port (TLSConfig) and over HTTP on port 80 where HTTPHandler is served.
type Autocert struct {
	m       *autocert.Manager
	domains []string
}

// NewAutocert checks the options and prepares the cache folder; it contacts nobody.
func NewAutocert(o AutocertOptions) (*Autocert, error) {
	if len(o.Domains) == 0 {
		return nil, errors.New("automatic certificates: no domain given")
	}
	if o.CacheDir == "" {
		return nil, errors.New("automatic certificates: no cache folder")
	}
	if o.Email != "" && !strings.Contains(strings.Trim(o.Email, "@"), "@") {
		return nil, fmt.Errorf("automatic certificates: %q is not an email address", o.Email)
	}
	if err := os.MkdirAll(o.CacheDir, 0o700); err != nil {
		return nil, fmt.Errorf("automatic certificates: cannot create the certificate cache: %w", err)
	}
	m := &autocert.Manager{
		Prompt:     autocert.AcceptTOS,
		Cache:      autocert.DirCache(o.CacheDir),
		HostPolicy: autocert.HostWhitelist(o.Domains...),
		Email:      o.Email,
	}
	if o.DirectoryURL != "" {
		m.Client = &acme.Client{DirectoryURL: o.DirectoryURL}
	}
	return &Autocert{m: m, domains: append([]string(nil), o.Domains...)}, nil
}

// Domains are the names certificates are got for.
func (a *Autocert) Domains() []string { return append([]string(nil), a.domains...) }

// HostPolicy says whether a certificate may be got for host (only the configured domains).
func (a *Autocert) HostPolicy(ctx context.Context, host string) error {
	return a.m.HostPolicy(ctx, host)
}

// TLSConfig serves the certificates and answers TLS-ALPN challenges; TLS 1.2 at least, HTTP/2 offered.
func (a *Autocert) TLSConfig() *tls.Config {
	tc := a.m.TLSConfig()
	tc.MinVersion = tls.VersionTLS12
	return tc
}

// HTTPHandler answers HTTP-01 challenges (serve it on port 80) and sends everything else to HTTPS.
func (a *Autocert) HTTPHandler() http.Handler { return a.m.HTTPHandler(nil) }

// Prefetch gets each domain's certificate now (from the cache, else from the CA), so that a problem shows at
// start rather than at a device's first callback. httpAddr and tlsAddr are where the challenges are
// answered (httpAddr "" when HTTP-01 is off); the error says what to open.
func (a *Autocert) Prefetch(httpAddr, tlsAddr string) error {
	var errs []error
	for _, d := range a.domains {
		// Offer ECDSA as browsers and the gateway do, so that this fetches the certificate they will use.
		hello := &tls.ClientHelloInfo{ServerName: d, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
			SupportedCurves: []tls.CurveID{tls.CurveP256}, SignatureSchemes: []tls.SignatureScheme{tls.ECDSAWithP256AndSHA256}}
		if _, err := a.m.GetCertificate(hello); err != nil {
			hint := reachHint(d, httpAddr, tlsAddr)
			if uerr := (*url.Error)(nil); errors.As(err, &uerr) {
				hint = "This machine could not reach the certificate authority: check its outgoing internet access (HTTPS) and proxy settings."
			}
			errs = append(errs, fmt.Errorf("no certificate for %s yet: %w. %s", d, err, hint))
		}
	}
	return errors.Join(errs...)
}

// reachHint says what the CA must be able to reach.
func reachHint(domain, httpAddr, tlsAddr string) string {
	open := "TCP port 443 must reach this machine's " + portOf(tlsAddr)
	if httpAddr != "" {
		open = "TCP port 80 must reach this machine's " + portOf(httpAddr) + " (HTTP-01) or " + open + " (TLS-ALPN-01)"
	}
	return fmt.Sprintf("The CA checks from the internet: %s must resolve (DNS A/AAAA record) to this site's public address, and %s: "+
		"open these ports in the firewall and forward them on the router; or use a reverse proxy or a tunnel (see docs/server.md)", domain, open)
}

func portOf(addr string) string {
	if _, port, err := net.SplitHostPort(addr); err == nil {
		return "port " + port
	}
	return addr
}

// ParseDomains reads "--tls-domain a.example.com,b.example.com": public DNS names, no scheme, port or wildcard.
func ParseDomains(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, raw := range strings.Split(s, ",") {
		d := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(raw)), ".")
		if d == "" {
			continue
		}
		switch {
		case strings.Contains(d, "://") || strings.ContainsAny(d, ":/"):
			return nil, fmt.Errorf("%q: give the name alone, without https:// or a port or path (e.g. cams.example.com)", raw)
		case strings.Contains(d, "*"):
			return nil, fmt.Errorf("%q: wildcard names need a DNS challenge, which camsd does not do: list each name", raw)
		}
		if _, err := netip.ParseAddr(d); err == nil {
			return nil, fmt.Errorf("%q: an IP address cannot get an automatic certificate: use a DNS name that points to it", raw)
		}
		ascii, err := idna.Lookup.ToASCII(d)
		if err != nil {
			return nil, fmt.Errorf("%q is not a valid domain name: %w", raw, err)
		}
		if !strings.Contains(ascii, ".") {
			return nil, fmt.Errorf("%q: give the full public name, e.g. cams.example.com", raw)
		}
		if !seen[ascii] {
			seen[ascii] = true
			out = append(out, ascii)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no domain name given (e.g. --tls-domain cams.example.com)")
	}
	return out, nil
}
