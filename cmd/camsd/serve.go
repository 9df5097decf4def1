package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// drainTimeout bounds how long serve waits, after SIGINT or SIGTERM, for callbacks in progress.
const drainTimeout = 30 * time.Second

// newServeCmd is "camsd serve": the callback receiver without a window.
func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve [--listen :5000] [--data-dir DIR]",
		Short: "Run the callback receiver until stopped (SIGINT or SIGTERM), then finish the callbacks in progress",
		Long: `serve runs the callback receiver: POST /callback (also with ?stgid=...) stores every callback of the
configured devices and answers {"status":"done"}; GET /healthz answers whether it runs; POST /api/send sends
a command to a device (from this machine only).

Every callback is written to the journal (journal/ in the data folder) before it is answered, and stored in
cams_data.db; photos go to photos/, one line per callback to cams-callbacks.log. On SIGINT or SIGTERM serve
stops taking connections, finishes the callbacks in progress and exits.`,
		Example: `  camsd serve
  camsd serve --listen 127.0.0.1:5000 --data-dir ./camsdata`,
		Args: cobra.NoArgs,
		RunE: runServe,
	}
	addListenFlag(cmd)
	return cmd
}

func runServe(cmd *cobra.Command, _ []string) error {
	cfg, err := loadValidSettings(cmd)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	store, err := data.OpenDir(cfg.DataDir)
	if err != nil {
		return failure(err)
	}
	defer store.Close()
	profiles := append([]device.Profile(nil), cfg.Devices...)
	clients := newClientSet(cfg, store)
	rcv, err := receiver.New(receiver.Options{
		Store:    store,
		DataDir:  cfg.DataDir,
		Profiles: func() []device.Profile { return profiles },
		Logger:   logger,
		Routes:   map[string]http.Handler{"/api/send": receiver.APISend(clients.get)},
	})
	if err != nil {
		return failure(err)
	}
	// Start before listening: the journal is applied before the first new callback is taken.
	if err := rcv.Start(cmd.Context()); err != nil {
		rcv.Close(context.Background())
		return failure(err)
	}
	srv, err := receiver.Listen(cfg.Listen, rcv.Handler())
	if err != nil {
		rcv.Close(context.Background())
		return failure(err)
	}
	if len(profiles) == 0 {
		logger.Warn("no devices configured: every callback will be rejected; add one with 'camsd config set-device'")
	}
	fmt.Fprintf(cmd.OutOrStdout(), "camsd: receiving callbacks on http://%s/callback (data in %s); Ctrl-C stops\n", srv.Addr(), cfg.DataDir)

	served := make(chan error, 1)
	go func() { served <- srv.Serve() }()
	var serveErr error
	select {
	case <-cmd.Context().Done():
	case serveErr = <-served:
	}
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	errs := []error{serveErr}
	errs = append(errs, srv.Shutdown(ctx), rcv.Close(ctx))
	if err := errors.Join(errs...); err != nil {
		return failure(err)
	}
	st := rcv.Stats()
	fmt.Fprintf(cmd.OutOrStdout(), "camsd: stopped; %d callbacks today\n", st.Today)
	return nil
}

// clientSet makes one client per device for /api/send and records every exchange in the store.
type clientSet struct {
	cfg   *data.Config
	store *data.Store
	mu    sync.Mutex
	byKey map[string]*device.Client
}

func newClientSet(cfg *data.Config, store *data.Store) *clientSet {
	return &clientSet{cfg: cfg, store: store, byKey: map[string]*device.Client{}}
}

func (s *clientSet) get(name string) (*device.Client, error) {
	p, ok := s.cfg.Default()
	if name != "" {
		p, ok = s.cfg.Device(name)
	}
	if !ok {
		if name == "" {
			return nil, errors.New("no device configured: add one with 'camsd config set-device'")
		}
		return nil, fmt.Errorf("no device named %q in the config", name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.byKey[p.STGID]; c != nil {
		return c, nil
	}
	row, err := s.store.EnsureDevice(context.Background(), p.STGID, p.Name)
	if err != nil {
		return nil, err
	}
	record := func(ex device.Exchange) {
		errText := ""
		if ex.Err != nil {
			errText = ex.Err.Error()
		}
		x := data.Exchange{DeviceID: row.ID, Operation: ex.Operation, OperationID: ex.OperationID, Request: string(ex.Request),
			Response: string(ex.Response), StatusCode: ex.StatusCode, Outcome: string(ex.Outcome), Error: errText,
			StartedAt: ex.Started.UTC(), DurationMS: ex.Duration.Milliseconds()}
		s.store.AddExchange(context.Background(), x)
	}
	c, err := device.NewClient(p, device.WithRecorder(record), device.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		return nil, err
	}
	s.byKey[p.STGID] = c
	return c, nil
}
