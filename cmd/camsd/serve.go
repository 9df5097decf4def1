package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// drainTimeout bounds how long serve waits, after SIGINT or SIGTERM, for callbacks in progress.
const drainTimeout = 30 * time.Second

// Flags of serve (besides --listen).
const (
	flagMetrics     = "metrics"
	flagTLSCert     = "tls-cert"
	flagTLSKey      = "tls-key"
	flagTLSDomain   = "tls-domain"
	flagACMEHTTP    = "acme-http"
	flagACMEEmail   = "acme-email"
	flagACMEDirURL  = "acme-directory"
	defaultACMEHTTP = ":80"
)

// newServeCmd is "camsd serve": the callback receiver without a window.
func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve [--listen :5000] [--data-dir DIR] [--tls-domain NAME | --tls-cert FILE --tls-key FILE] [--db DSN]",
		Short: "Run the callback receiver until stopped (SIGINT or SIGTERM), then finish the callbacks in progress",
		Long: `serve runs the callback receiver: POST /callback (also with ?stgid=...) stores every callback of the
configured devices and answers {"status":"done"}; GET /healthz answers whether it runs; GET /metrics gives
Prometheus metrics; POST /api/send sends a command to a device (from this machine only).

Every callback is written to the journal (journal/ in the data folder) before it is answered, and stored in
cams_data.db (or the PostgreSQL database of --db); photos go to photos/, one line per callback to
cams-callbacks.log. On SIGINT or SIGTERM serve stops taking connections, finishes the callbacks in progress
and exits.

API Monitor accepts only an HTTPS callback URL. Plain HTTP (the default) suits this machine and a reverse
proxy or tunnel that provides HTTPS. For HTTPS here, either:
  --tls-domain NAME   automatic certificates (Let's Encrypt) for the public NAME: ports 80 and 443 must reach
                      this machine from the internet (certificates are kept in acme/ in the data folder)
  --tls-cert/--tls-key  a certificate and key in PEM files, read again on SIGHUP or when the files change
See docs/server.md.`,
		Example: `  camsd serve
  camsd serve --listen 127.0.0.1:5000 --data-dir ./camsdata
  camsd serve --listen :443 --tls-domain cams.example.com --acme-email it@example.com
  camsd serve --listen :8443 --tls-cert /etc/ssl/cams/fullchain.pem --tls-key /etc/ssl/cams/privkey.pem
  camsd serve --db postgres://camsdesk@db.internal/camsdesk`,
		Args: cobra.NoArgs,
		RunE: runServe,
	}
	addListenFlag(cmd)
	f := cmd.Flags()
	f.Bool(flagMetrics, true, "serve Prometheus metrics at GET /metrics")
	f.String(flagTLSCert, "", "serve HTTPS with this PEM certificate (chain) file; needs --tls-key")
	f.String(flagTLSKey, "", "the PEM private key of --tls-cert")
	f.String(flagTLSDomain, "", "serve HTTPS with automatic certificates for these public names (comma-separated)")
	f.String(flagACMEHTTP, defaultACMEHTTP, "with --tls-domain: where to answer HTTP-01 challenges (port 80 from the internet); off for TLS-ALPN on the HTTPS port only")
	f.String(flagACMEEmail, "", "with --tls-domain: email the certificate authority may write to about expiry")
	f.String(flagACMEDirURL, "", "with --tls-domain: ACME directory URL of the certificate authority (default Let's Encrypt)")
	return cmd
}

// How camsd serve runs the Go runtime unless the environment says otherwise (docs/benchmarks.md):
//   - at least 4 Ps: the receiver's goroutines block in file system calls (the journal's fsync, SQLite's
//     writes), each holding its P until the runtime takes it back; on one or two cores a few more Ps keep
//     the HTTP goroutines running meanwhile;
//   - collecting at 200% instead of 100%: each callback's garbage is small and short-lived, so this halves
//     the collector's share for a few MB, and the soft limit keeps bursts of big photos well under 150 MB.
const (
	minServeProcs  = 4
	serveGCPercent = 200
	serveMemLimit  = 128 << 20
)

func tuneServeRuntime() {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(max(runtime.GOMAXPROCS(0), minServeProcs))
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(serveGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(serveMemLimit)
	}
}

func runServe(cmd *cobra.Command, _ []string) error {
	cfg, err := loadValidSettings(cmd)
	if err != nil {
		return err
	}
	stderr := cmd.ErrOrStderr()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	tuneServeRuntime()
	https, err := prepareTLS(cmd, cfg.DataDir, logger)
	if err != nil {
		return err
	}
	store, err := openStore(cfg)
	if err != nil {
		return failure(err)
	}
	defer store.Close()
	lease, err := takeReceiverLease(cmd.Context(), store, cfg.Listen, logger)
	if err != nil {
		return failure(err)
	}
	defer lease.Release(context.Background())
	var metrics *receiver.Metrics
	if on, _ := cmd.Flags().GetBool(flagMetrics); on {
		metrics = receiver.NewMetrics()
	}
	profiles := append([]device.Profile(nil), cfg.Devices...)
	clients := newClientSet(cfg, store, metrics, logger)
	routes := map[string]http.Handler{"/api/send": receiver.APISend(clients.get)}
	if metrics != nil {
		routes["GET /metrics"] = metrics.Handler()
	}
	rcv, err := receiver.New(receiver.Options{
		Store:    store,
		DataDir:  cfg.DataDir,
		Profiles: func() []device.Profile { return profiles },
		Logger:   logger,
		Routes:   routes,
		Metrics:  metrics,
	})
	if err != nil {
		return failure(err)
	}
	// Start before listening: the journal is applied before the first new callback is taken.
	if err := rcv.Start(cmd.Context()); err != nil {
		rcv.Close(context.Background())
		return failure(err)
	}
	servers, err := https.listen(cfg.Listen, metrics.Instrument(rcv.Handler()), logger)
	if err != nil {
		rcv.Close(context.Background())
		return failure(err)
	}
	if len(profiles) == 0 {
		logger.Warn("no devices configured: every callback will be rejected; add one with 'camsd config set-device'")
	}
	ctx, stopBackground := context.WithCancel(cmd.Context())
	defer stopBackground()
	https.background(ctx, servers, logger)
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "camsd: receiving callbacks on %s://%s/callback (data in %s, database %s %s); Ctrl-C stops\n",
		servers.scheme(), servers.main.Addr(), cfg.DataDir, store.Kind(), store.Path())
	https.announce(out, logger, servers, profiles)

	served := make(chan error, len(servers.all))
	for _, s := range servers.all {
		go func() { served <- s.Serve() }()
	}
	var serveErr error
	select {
	case <-cmd.Context().Done():
	case serveErr = <-served:
	}
	stopBackground()
	drain, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	errs := []error{serveErr}
	for _, s := range servers.all {
		errs = append(errs, s.Shutdown(drain))
	}
	errs = append(errs, rcv.Close(drain))
	if err := errors.Join(errs...); err != nil {
		return failure(err)
	}
	st := rcv.Stats()
	fmt.Fprintf(out, "camsd: stopped; %d callbacks today\n", st.Today)
	return nil
}

// clientSet makes one client per device for /api/send and records every exchange in the store and the metrics.
type clientSet struct {
	cfg     *data.Config
	store   *data.Store
	metrics *receiver.Metrics
	logger  *slog.Logger
	mu      sync.Mutex
	byKey   map[string]*device.Client
}

func newClientSet(cfg *data.Config, store *data.Store, metrics *receiver.Metrics, logger *slog.Logger) *clientSet {
	return &clientSet{cfg: cfg, store: store, metrics: metrics, logger: logger, byKey: map[string]*device.Client{}}
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
		s.metrics.RecordExchange(ex)
		if err := s.store.AddExchange(context.Background(), data.ExchangeOf(row.ID, ex)); err != nil {
			s.logger.Warn("exchange not recorded", "op", ex.Operation, "operation_id", ex.OperationID, "err", err)
		}
	}
	c, err := device.NewClient(p, device.WithRecorder(record), device.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		return nil, err
	}
	s.byKey[p.STGID] = c
	return c, nil
}
