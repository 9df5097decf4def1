package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrPortInUse matches (errors.Is) a listen failure because another program holds the port.
var ErrPortInUse = errors.New("the port is already in use")

// portInUseError says which port is taken and what to do.
type portInUseError struct{ port string }

func (e *portInUseError) Error() string {
	return "port " + e.port + " is already used by another program (camsd or another copy of CamsDesk may be running); " +
		"choose another port or stop that program"
}

func (e *portInUseError) Is(target error) bool { return target == ErrPortInUse }

// CallbackServer serves the receiver's handler over HTTP; it can stop (pause) and start again on another
// address. Its methods are safe on any goroutine.
type CallbackServer struct {
	handler http.Handler

	mu      sync.Mutex
	srv     *http.Server
	addr    string // the address asked for
	bound   string // the address listened on, "" when stopped
	lastErr error
}

// NewCallbackServer serves h once Start is called.
func NewCallbackServer(h http.Handler) *CallbackServer { return &CallbackServer{handler: h} }

// Start listens on addr (":5000", "127.0.0.1:5000") and serves; a running server is stopped first.
func (s *CallbackServer) Start(addr string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addr = addr
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		s.lastErr = listenError(addr, err)
		return s.lastErr
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	s.srv, s.bound, s.lastErr = srv, ln.Addr().String(), nil
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.mu.Lock()
			if s.srv == srv {
				s.lastErr = fmt.Errorf("the callback receiver stopped: %w", err)
				s.srv, s.bound = nil, ""
			}
			s.mu.Unlock()
		}
	}()
	return nil
}

// Stop stops listening and waits for callbacks in progress (or ctx). Stopping a stopped server does nothing.
func (s *CallbackServer) Stop(ctx context.Context) error {
	s.mu.Lock()
	srv := s.srv
	s.srv, s.bound = nil, ""
	s.mu.Unlock()
	if srv == nil {
		return nil
	}
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
		return fmt.Errorf("the callback receiver did not stop cleanly: %w", err)
	}
	return nil
}

// ServerState is what the status bar shows about the server.
type ServerState struct {
	Addr    string // the address asked for
	Bound   string // the address listened on; "" when not listening
	Running bool
	Err     error // why it is not listening, nil when paused on purpose or running
	// Remote names the program that receives for the shared database instead of this PC; "" when none.
	Remote string
}

// State returns a snapshot of the server's state.
func (s *CallbackServer) State() ServerState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return ServerState{Addr: s.addr, Bound: s.bound, Running: s.srv != nil, Err: s.lastErr}
}

// listenError says in plain words why addr cannot be listened on.
func listenError(addr string, err error) error {
	_, port, _ := net.SplitHostPort(addr)
	if errors.Is(err, syscall.EADDRINUSE) || strings.Contains(strings.ToLower(err.Error()), "address already in use") ||
		strings.Contains(err.Error(), "Only one usage of each socket address") {
		return &portInUseError{port: port}
	}
	if errors.Is(err, syscall.EACCES) {
		return fmt.Errorf("this user may not listen on port %s (ports below 1024 need administrator rights); choose a port from 1024 to 65535: %w", port, err)
	}
	return fmt.Errorf("cannot listen on %s: %w", addr, err)
}

// loopbackURL is the receiver's callback URL on this PC, for the simulator and the copy button's default.
func loopbackURL(bound string) string {
	_, port, err := net.SplitHostPort(bound)
	if err != nil {
		return ""
	}
	return "http://127.0.0.1:" + port + "/callback"
}
