package receiver

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// CertFiles serves the certificate and key of two PEM files and reads them again when asked (Reload, e.g.
// on SIGHUP) or when they change (Watch), so that a renewed certificate needs no restart. A pair that does
// not load keeps the previous one in service.
type CertFiles struct {
	certFile, keyFile string
	log               *slog.Logger

	cert atomic.Pointer[tls.Certificate]

	mu      sync.Mutex // serializes loads; guards the stamps
	loaded  stamp      // the files as last loaded
	refused stamp      // the files as last refused (logged once)
}

// stamp identifies the versions of both files.
type stamp struct{ cert, key os.FileInfo }

func (s stamp) same(o stamp) bool { return sameFile(s.cert, o.cert) && sameFile(s.key, o.key) }

func sameFile(a, b os.FileInfo) bool {
	if a == nil || b == nil {
		return a == b
	}
	return os.SameFile(a, b) && a.ModTime().Equal(b.ModTime()) && a.Size() == b.Size()
}

// LoadCertFiles reads the pair; an error says which file is wrong and how.
func LoadCertFiles(certFile, keyFile string, log *slog.Logger) (*CertFiles, error) {
	if log == nil {
		log = slog.Default()
	}
	c := &CertFiles{certFile: certFile, keyFile: keyFile, log: log.With("component", "tls")}
	if _, err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// GetCertificate is the tls.Config hook.
func (c *CertFiles) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.cert.Load(), nil
}

// Leaf is the certificate in service (for its names and expiry).
func (c *CertFiles) Leaf() *x509.Certificate { return c.cert.Load().Leaf }

// TLSConfig is a server config serving the pair.
func (c *CertFiles) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate, NextProtos: []string{"h2", "http/1.1"}}
}

// Reload reads the files again if they changed since the last load. It reports whether a new pair is in
// service; on error the previous pair stays.
func (c *CertFiles) Reload() (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now, err := c.stat()
	if err != nil {
		return false, err
	}
	if c.cert.Load() != nil && now.same(c.loaded) {
		return false, nil
	}
	pair, err := loadPair(c.certFile, c.keyFile)
	if err != nil {
		return false, err
	}
	c.cert.Store(pair)
	c.loaded, c.refused = now, stamp{}
	leaf := pair.Leaf
	c.log.Info("TLS certificate loaded", "file", c.certFile, "names", certNames(leaf), "expires", leaf.NotAfter.Format(time.DateOnly))
	if left := time.Until(leaf.NotAfter); left <= 0 {
		c.log.Error("TLS certificate has expired: API Monitor will refuse it; renew it (camsd picks up the new files by itself)", "file", c.certFile)
	} else if left < 7*24*time.Hour {
		c.log.Warn("TLS certificate expires within a week", "file", c.certFile, "expires", leaf.NotAfter)
	}
	return true, nil
}

// Watch checks the files every interval until ctx ends and loads them when they changed. A pair that does
// not load (a renewal half written) is logged once and tried again at the next change.
func (c *CertFiles) Watch(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now, err := c.stat()
		c.mu.Lock()
		skip := err == nil && (now.same(c.loaded) || now.same(c.refused))
		c.mu.Unlock()
		if skip {
			continue
		}
		if _, err := c.Reload(); err != nil {
			c.mu.Lock()
			first := !now.same(c.refused)
			c.refused = now
			c.mu.Unlock()
			if first {
				c.log.Error("TLS certificate not reloaded; the previous one stays in service", "err", err)
			}
		}
	}
}

func (c *CertFiles) stat() (stamp, error) {
	ci, err := os.Stat(c.certFile)
	if err != nil {
		return stamp{}, fileError("certificate", c.certFile, err)
	}
	ki, err := os.Stat(c.keyFile)
	if err != nil {
		return stamp{}, fileError("key", c.keyFile, err)
	}
	return stamp{ci, ki}, nil
}

// loadPair reads and checks the pair, explaining the usual mistakes.
func loadPair(certFile, keyFile string) (*tls.Certificate, error) {
	certPEM, err := os.ReadFile(certFile)
	if err != nil {
		return nil, fileError("certificate", certFile, err)
	}
	keyPEM, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, fileError("key", keyFile, err)
	}
	if err := checkPEM(certFile, keyFile, certPEM, keyPEM); err != nil {
		return nil, err
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		if mismatch(certPEM, keyPEM) {
			return nil, fmt.Errorf("TLS: the key %s does not belong to the certificate %s (their public keys differ): "+
				"use the key that was made with this certificate", keyFile, certFile)
		}
		return nil, fmt.Errorf("TLS: certificate %s with key %s: %w", certFile, keyFile, err)
	}
	if pair.Leaf == nil {
		if pair.Leaf, err = x509.ParseCertificate(pair.Certificate[0]); err != nil {
			return nil, fmt.Errorf("TLS: certificate %s: %w", certFile, err)
		}
	}
	return &pair, nil
}

// checkPEM names a file holding no PEM block of the kind it should, or the two files swapped.
func checkPEM(certFile, keyFile string, certPEM, keyPEM []byte) error {
	certHas, certHasKey := pemKinds(certPEM)
	keyHasCert, keyHas := pemKinds(keyPEM)
	switch {
	case !certHas && certHasKey && keyHasCert && !keyHas:
		return fmt.Errorf("TLS: %s holds a private key and %s a certificate: the two files are swapped (--tls-cert takes the certificate, --tls-key the key)", certFile, keyFile)
	case !certHas:
		return fmt.Errorf("TLS: %s holds no PEM certificate (a block starting -----BEGIN CERTIFICATE-----)", certFile)
	case !keyHas:
		return fmt.Errorf("TLS: %s holds no PEM private key (a block starting -----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)", keyFile)
	}
	return nil
}

// pemKinds reports whether b holds a certificate block and a private key block.
func pemKinds(b []byte) (cert, key bool) {
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return cert, key
		}
		switch {
		case block.Type == "CERTIFICATE":
			cert = true
		case strings.HasSuffix(block.Type, "PRIVATE KEY"):
			key = true
		}
	}
}

// mismatch reports whether the key parses but is not the certificate's.
func mismatch(certPEM, keyPEM []byte) bool {
	var leaf *x509.Certificate
	for b := certPEM; leaf == nil; {
		var block *pem.Block
		if block, b = pem.Decode(b); block == nil {
			return false
		}
		if block.Type == "CERTIFICATE" {
			l, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return false
			}
			leaf = l
		}
	}
	for b := keyPEM; ; {
		var block *pem.Block
		if block, b = pem.Decode(b); block == nil {
			return false
		}
		key, err := parseKey(block.Bytes)
		if err != nil {
			continue
		}
		pub, ok := leaf.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
		return ok && !pub.Equal(key.Public())
	}
}

func parseKey(der []byte) (crypto.Signer, error) {
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, errors.New("not a signing key")
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, nil
	}
	return x509.ParseECPrivateKey(der)
}

// fileError explains a file that cannot be read.
func fileError(what, path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("TLS: %s file %s does not exist", what, path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("TLS: %s file %s cannot be read by this user (%w): let the user camsd runs as read it", what, path, err)
	}
	return fmt.Errorf("TLS: %s file %s cannot be read: %w", what, path, err)
}

// certNames are the names a certificate is valid for.
func certNames(leaf *x509.Certificate) []string {
	names := append([]string(nil), leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 && leaf.Subject.CommonName != "" {
		names = append(names, leaf.Subject.CommonName)
	}
	return names
}

// CertNames are the names and addresses the certificate in service is valid for.
func (c *CertFiles) CertNames() []string { return certNames(c.Leaf()) }
