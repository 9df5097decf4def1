package receiver

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
)

// AddrInUseError means another program already listens on the receiver's address.
type AddrInUseError struct {
	Addr string
	Err  error
}

func (e *AddrInUseError) Error() string {
	return fmt.Sprintf("address %s is already in use: another program (or another CamsDesk) is listening there; stop it or choose another port", e.Addr)
}

func (e *AddrInUseError) Unwrap() error { return e.Err }

// PortPermissionError means the system refused a port below 1024 to an unprivileged program.
type PortPermissionError struct {
	Addr string
	Err  error
}

func (e *PortPermissionError) Error() string {
	return fmt.Sprintf("not allowed to listen on %s: ports below 1024 need root or the CAP_NET_BIND_SERVICE capability "+
		"(systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE; elsewhere: setcap cap_net_bind_service=+ep on camsd), "+
		"or listen on a higher port and forward this one to it", e.Addr)
}

func (e *PortPermissionError) Unwrap() error { return e.Err }

// ServerOptions are the optional settings of ListenWith.
type ServerOptions struct {
	// TLS serves HTTPS with this config (its certificates, usually from GetCertificate); nil serves plain HTTP.
	// ListenWith sets TLS 1.2 as the minimum and offers HTTP/2.
	TLS *tls.Config
	// Logger gets the server's own errors; failed TLS handshakes (scanners, old clients) at debug level.
	Logger *slog.Logger
}

// Server serves a handler over HTTP or HTTPS with timeouts suited to the gateway.
type Server struct {
	srv *http.Server
	ln  net.Listener
	tls bool
}

// Listen binds addr (":5000", "127.0.0.1:0") for plain HTTP. A busy address gives an *AddrInUseError.
func Listen(addr string, h http.Handler) (*Server, error) {
	return ListenWith(addr, h, ServerOptions{})
}

// ListenWith binds addr and serves h with o. A busy address gives an *AddrInUseError, a privileged port
// the program may not use a *PortPermissionError.
func ListenWith(addr string, h http.Handler, o ServerOptions) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		switch {
		case errors.Is(err, syscall.EADDRINUSE):
			return nil, &AddrInUseError{Addr: addr, Err: err}
		case errors.Is(err, syscall.EACCES):
			return nil, &PortPermissionError{Addr: addr, Err: err}
		}
		return nil, fmt.Errorf("receiver: listen on %s: %w", addr, err)
	}
	s := &Server{ln: ln, srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // a 16 MiB body over a slow line
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}}
	if o.Logger != nil {
		s.srv.ErrorLog = log.New(serverLog{o.Logger.With("component", "http")}, "", 0)
	}
	if o.TLS != nil {
		tc := o.TLS.Clone()
		if tc.MinVersion < tls.VersionTLS12 {
			tc.MinVersion = tls.VersionTLS12
		}
		if len(tc.NextProtos) == 0 {
			tc.NextProtos = []string{"h2", "http/1.1"}
		}
		s.srv.TLSConfig = tc
		s.tls = true
	}
	return s, nil
}

// Addr is the address actually bound (with the port chosen for ":0").
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// TLS reports whether the server speaks HTTPS.
func (s *Server) TLS() bool { return s.tls }

// Serve serves until Shutdown; it returns nil after a Shutdown.
func (s *Server) Serve() error {
	var err error
	if s.tls {
		err = s.srv.ServeTLS(s.ln, "", "")
	} else {
		err = s.srv.Serve(s.ln)
	}
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("receiver: serve: %w", err)
	}
	return nil
}

// Shutdown stops listening and waits for the requests in progress (or ctx).
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.srv.Shutdown(ctx); err != nil {
		return fmt.Errorf("receiver: shutdown: %w", err)
	}
	return nil
}

// Close stops at once: the listener and any open connection (for a server not yet serving, or after a
// Shutdown that timed out).
func (s *Server) Close() error {
	err := s.srv.Close()
	if lerr := s.ln.Close(); lerr != nil && !errors.Is(lerr, net.ErrClosed) && err == nil {
		err = lerr
	}
	if err != nil {
		return fmt.Errorf("receiver: close: %w", err)
	}
	return nil
}

// serverLog passes net/http's error lines to slog.
type serverLog struct{ log *slog.Logger }

func (l serverLog) Write(p []byte) (int, error) {
	msg := strings.TrimSpace(string(p))
	level := slog.LevelWarn
	if strings.Contains(msg, "TLS handshake error") {
		level = slog.LevelDebug
	}
	l.log.Log(context.Background(), level, msg)
	return len(p), nil
}
