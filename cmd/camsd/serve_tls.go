package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// ACMECacheDir is the folder of the data dir where automatic certificates and the account key are kept.
const ACMECacheDir = "acme"

// certPollInterval is how often serve looks whether --tls-cert or --tls-key changed.
const certPollInterval = 30 * time.Second

// serveHTTPS is how serve speaks: plain HTTP, HTTPS with certificate files, or HTTPS with automatic certificates.
type serveHTTPS struct {
	files    *receiver.CertFiles
	auto     *receiver.Autocert
	acmeHTTP string // where HTTP-01 challenges are answered; "" when off
	cacheDir string // of the automatic certificates
}

// serveServers are the listening servers: the receiver's, and port 80 for HTTP-01 challenges.
type serveServers struct {
	main *receiver.Server
	acme *receiver.Server
	all  []*receiver.Server
}

func (s serveServers) scheme() string {
	if s.main.TLS() {
		return "https"
	}
	return "http"
}

// prepareTLS reads the TLS flags and loads the certificate files (or prepares the certificate cache).
func prepareTLS(cmd *cobra.Command, dataDir string, logger *slog.Logger) (*serveHTTPS, error) {
	f := cmd.Flags()
	certFile, _ := f.GetString(flagTLSCert)
	keyFile, _ := f.GetString(flagTLSKey)
	domainList, _ := f.GetString(flagTLSDomain)
	acmeHTTP, _ := f.GetString(flagACMEHTTP)
	email, _ := f.GetString(flagACMEEmail)
	dirURL, _ := f.GetString(flagACMEDirURL)
	acmeSet := f.Changed(flagACMEHTTP) || f.Changed(flagACMEEmail) || f.Changed(flagACMEDirURL)
	switch {
	case (certFile == "") != (keyFile == ""):
		return nil, usageError(errors.New("--tls-cert and --tls-key go together: give the certificate file and its key file"))
	case certFile != "" && domainList != "":
		return nil, usageError(errors.New("--tls-domain gets its certificates by itself: give it, or --tls-cert and --tls-key, not both"))
	case domainList == "" && acmeSet:
		return nil, usageError(errors.New("--acme-http, --acme-email and --acme-directory go with --tls-domain"))
	}
	h := &serveHTTPS{}
	if certFile != "" {
		files, err := receiver.LoadCertFiles(certFile, keyFile, logger)
		if err != nil {
			return nil, failure(err)
		}
		h.files = files
		return h, nil
	}
	if domainList == "" {
		return h, nil
	}
	domains, err := receiver.ParseDomains(domainList)
	if err != nil {
		return nil, usageError(fmt.Errorf("--%s: %w", flagTLSDomain, err))
	}
	if acmeHTTP = strings.TrimSpace(acmeHTTP); acmeHTTP == "off" {
		acmeHTTP = ""
	}
	if acmeHTTP != "" {
		if _, _, err := net.SplitHostPort(acmeHTTP); err != nil {
			return nil, usageError(fmt.Errorf("--%s %q: give an address such as :80, or off", flagACMEHTTP, acmeHTTP))
		}
	}
	cacheDir := filepath.Join(dataDir, ACMECacheDir)
	auto, err := receiver.NewAutocert(receiver.AutocertOptions{Domains: domains, CacheDir: cacheDir,
		Email: strings.TrimSpace(email), DirectoryURL: strings.TrimSpace(dirURL)})
	if err != nil {
		return nil, failure(err)
	}
	h.auto, h.acmeHTTP, h.cacheDir = auto, acmeHTTP, cacheDir
	return h, nil
}

func (h *serveHTTPS) tlsConfig() *tls.Config {
	switch {
	case h.files != nil:
		return h.files.TLSConfig()
	case h.auto != nil:
		return h.auto.TLSConfig()
	}
	return nil
}

// listen binds the receiver's address, and the HTTP-01 address with automatic certificates.
func (h *serveHTTPS) listen(addr string, handler http.Handler, logger *slog.Logger) (serveServers, error) {
	main, err := receiver.ListenWith(addr, handler, receiver.ServerOptions{TLS: h.tlsConfig(), Logger: logger})
	if err != nil {
		return serveServers{}, err
	}
	s := serveServers{main: main, all: []*receiver.Server{main}}
	if h.auto != nil && h.acmeHTTP != "" {
		acme, err := receiver.ListenWith(h.acmeHTTP, h.auto.HTTPHandler(), receiver.ServerOptions{Logger: logger})
		if err != nil {
			main.Close()
			return serveServers{}, fmt.Errorf("HTTP-01 challenges (--%s %s): %w; or pass --%s off to rely on TLS-ALPN challenges on port 443",
				flagACMEHTTP, h.acmeHTTP, err, flagACMEHTTP)
		}
		s.acme = acme
		s.all = append(s.all, acme)
	}
	return s, nil
}

// announce prints the callback URL of each device for API Monitor, and warns when API Monitor cannot use it.
func (h *serveHTTPS) announce(out io.Writer, logger *slog.Logger, s serveServers, profiles []device.Profile) {
	main := s.main
	tcp, _ := main.Addr().(*net.TCPAddr)
	port := 0
	if tcp != nil {
		port = tcp.Port
	}
	var base, note string
	switch {
	case h.auto != nil:
		base = "https://" + h.auto.Domains()[0]
		if port != 443 {
			note = fmt.Sprintf("forward TCP port 443 from the internet to port %d of this machine: the certificate authority and API Monitor use 443", port)
		}
	case h.files != nil:
		base = "https://" + hostOf(h.files.CertNames()) + portSuffix(port)
	default:
		base = "https://YOUR-PUBLIC-NAME"
		note = "this is plain HTTP: the HTTPS URL above is your reverse proxy's or tunnel's (see docs/server.md)"
		if tcp == nil || !tcp.IP.IsLoopback() {
			logger.Warn("serving plain HTTP on a network address: API Monitor accepts only an HTTPS callback URL; put a reverse proxy or tunnel with HTTPS in front, or use --tls-domain or --tls-cert/--tls-key (docs/server.md)",
				"addr", main.Addr().String())
		}
	}
	if h.auto != nil {
		fmt.Fprintf(out, "camsd: automatic certificates for %s (kept in %s)\n", strings.Join(h.auto.Domains(), ", "), h.cacheDir)
		if s.acme != nil {
			fmt.Fprintf(out, "camsd: answering certificate challenges on http://%s (port 80 from the internet)\n", s.acme.Addr())
		}
	}
	if len(profiles) == 0 {
		fmt.Fprintf(out, "camsd: callback URL for API Monitor: %s/callback\n", base)
	}
	for _, p := range profiles {
		fmt.Fprintf(out, "camsd: callback URL for API Monitor (device %s): %s/callback?stgid=%s\n", p.Name, base, p.STGID)
	}
	if note != "" {
		fmt.Fprintf(out, "camsd: %s\n", note)
	}
}

// hostOf picks the certificate's first name, making a wildcard a pattern to fill in.
func hostOf(names []string) string {
	for _, n := range names {
		if !strings.HasPrefix(n, "*.") {
			if strings.Contains(n, ":") {
				return "[" + n + "]"
			}
			return n
		}
	}
	if len(names) > 0 {
		return "YOUR-NAME" + strings.TrimPrefix(names[0], "*")
	}
	return "YOUR-PUBLIC-NAME"
}

func portSuffix(port int) string {
	if port == 443 || port == 0 {
		return ""
	}
	return ":" + strconv.Itoa(port)
}

// background starts what runs beside the servers until ctx ends: reloading certificate files (on change
// and on SIGHUP), or getting the automatic certificates now so that problems show at start.
func (h *serveHTTPS) background(ctx context.Context, s serveServers, logger *slog.Logger) {
	switch {
	case h.files != nil:
		go h.files.Watch(ctx, certPollInterval)
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		go func() {
			defer signal.Stop(hup)
			for {
				select {
				case <-ctx.Done():
					return
				case <-hup:
				}
				switch changed, err := h.files.Reload(); {
				case err != nil:
					logger.Error("SIGHUP: TLS certificate not reloaded; the previous one stays in service", "err", err)
				case !changed:
					logger.Info("SIGHUP: TLS certificate files unchanged")
				}
			}
		}()
	case h.auto != nil:
		httpAddr := ""
		if s.acme != nil {
			httpAddr = s.acme.Addr().String()
		}
		go func() {
			if err := h.auto.Prefetch(httpAddr, s.main.Addr().String()); err != nil {
				logger.Error("automatic certificate", "err", err)
				return
			}
			logger.Info("automatic certificates ready", "domains", strings.Join(h.auto.Domains(), ","))
		}()
	}
}
