package receiver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
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

// Server serves a handler over HTTP with timeouts suited to the gateway.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Listen binds addr (":5000", "127.0.0.1:0"). A busy address gives an *AddrInUseError.
func Listen(addr string, h http.Handler) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if errors.Is(err, syscall.EADDRINUSE) {
			return nil, &AddrInUseError{Addr: addr, Err: err}
		}
		return nil, fmt.Errorf("receiver: listen on %s: %w", addr, err)
	}
	return &Server{ln: ln, srv: &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute, // a 16 MiB body over a slow line
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}}, nil
}

// Addr is the address actually bound (with the port chosen for ":0").
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve serves until Shutdown; it returns nil after a Shutdown.
func (s *Server) Serve() error {
	if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
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
