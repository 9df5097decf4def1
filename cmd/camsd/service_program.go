package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	"github.com/kardianos/service"
	"github.com/spf13/cobra"
)

// runServiceRun is "camsd service run": serve, started and stopped by the service manager. Its output goes
// to the service manager's log (the Windows event log; stderr when run from a console).
func runServiceRun(cmd *cobra.Command, _ []string) error {
	spec, err := serviceSpecOf(cmd)
	if err != nil {
		return err
	}
	getenv := getenvOf(cmd)
	p := &serveProgram{
		args: spec.serveArgs(),
		serve: func(ctx context.Context, args []string, out *lineWriter) int {
			return execute(ctx, args, strings.NewReader(""), out, out, getenv)
		},
		exit: os.Exit,
	}
	s, err := systemService(spec, p)
	if err != nil {
		return err
	}
	logger, err := s.Logger(nil)
	if err != nil {
		return failure(fmt.Errorf("service run: log: %w", err))
	}
	p.log = func(isErr bool, line string) {
		if isErr {
			_ = logger.Error(line)
		} else {
			_ = logger.Info(line)
		}
	}
	if err := s.Run(); err != nil {
		return failure(fmt.Errorf("service run: %w", err))
	}
	return nil
}

// serveProgram runs serve in the background between the service manager's Start and Stop. When serve ends on
// its own (a bad config, a port in use) the process exits with serve's code, so the manager sees the failure
// and its recovery settings restart the service.
type serveProgram struct {
	args  []string
	serve func(ctx context.Context, args []string, out *lineWriter) int
	log   func(isErr bool, line string)
	exit  func(code int)

	mu       sync.Mutex
	cancel   context.CancelFunc
	done     chan int
	stopping bool
}

func (p *serveProgram) Start(service.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.mu.Lock()
	p.cancel, p.done, p.stopping = cancel, make(chan int, 1), false
	p.mu.Unlock()
	out := &lineWriter{emit: func(line string) { p.log(false, line) }}
	go func() {
		code := p.serve(ctx, p.args, out)
		out.Flush()
		p.mu.Lock()
		stopping := p.stopping
		p.mu.Unlock()
		p.done <- code
		if !stopping {
			p.log(true, fmt.Sprintf("camsd serve ended by itself with exit code %d", code))
			if code == 0 {
				code = exitFailure // a service that stops unasked has failed
			}
			p.exit(code)
		}
	}()
	return nil
}

func (p *serveProgram) Stop(service.Service) error {
	p.mu.Lock()
	if p.cancel == nil {
		p.mu.Unlock()
		return nil
	}
	p.stopping = true
	cancel, done := p.cancel, p.done
	p.mu.Unlock()
	cancel()
	if code := <-done; code != exitOK {
		p.log(true, fmt.Sprintf("camsd serve stopped with exit code %d", code))
		return fmt.Errorf("camsd serve stopped with exit code %d", code)
	}
	return nil
}

// lineWriter passes each complete line written to it to emit (at most maxLogLine bytes of it).
type lineWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	emit func(line string)
}

const maxLogLine = 4096

func (w *lineWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	for {
		i := bytes.IndexByte(w.buf.Bytes(), '\n')
		if i < 0 {
			if w.buf.Len() > maxLogLine {
				w.emitLocked(w.buf.Next(maxLogLine))
			}
			return len(b), nil
		}
		w.emitLocked(w.buf.Next(i + 1))
	}
}

// Flush emits what is left without a final newline.
func (w *lineWriter) Flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() > 0 {
		w.emitLocked(w.buf.Next(w.buf.Len()))
	}
}

func (w *lineWriter) emitLocked(line []byte) {
	s := strings.TrimRight(string(line), "\r\n")
	if len(s) > maxLogLine {
		s = s[:maxLogLine]
	}
	if s != "" {
		w.emit(s)
	}
}
