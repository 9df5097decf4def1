// Package simulator is a fake Cams gateway with one simulated device. It answers the RESTful API as the real
// gateway does (status codes, paging, encryption, one call at a time) and sends the device's callbacks to a
// configured URL. cmd/camssim serves it; tests and the desktop app's first-run demo embed it.
package simulator

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// EndpointPath is the path real RESTful endpoints use; the endpoint URL is the server URL plus this path.
const EndpointPath = "/external/api3.0/biometric"

// Fixed simulator credentials, so demos are repeatable. They are not valid on any real gateway.
const (
	DefaultSTGID         = "CAMSSIM000000001"
	DefaultAuthToken     = "SimulatorAuthToken00000000000001"
	DefaultCallbackToken = "SimulatorCallbackToken0000000001"
	DefaultSerialNumber  = "SIM-F38-000001"
	DefaultLabel         = "Simulated Gate"
)

// Defaults and limits of the simulated device.
const (
	DefaultPageSize       = 50
	DefaultProcessingTime = 5 * time.Millisecond
	DefaultRetryBackoff   = time.Second
	DefaultMaxAttempts    = 5
	DefaultResendChunk    = 500
	// DefaultUsers is the roster GeneratePunches creates on an empty device.
	DefaultUsers = 200

	MaxLogs         = 500000
	MaxUsers        = 10000
	MaxFaces        = 5000
	MaxFingerprints = 10000
	// MaxLoadLogDays is the longest range one LoadLog request may ask for.
	MaxLoadLogDays = 31

	maxRetryWait     = 30 * time.Second
	maxPendingJobs   = 10000
	exchangesKept    = 256
	userResendChunk  = 50
	maxRequestBytes  = 16 << 20
	callbackTimeout  = 30 * time.Second
	maxCallbackReply = 64 << 10
)

// Config describes the simulated gateway and device. Zero values take the defaults named on each field.
type Config struct {
	STGID         string // DefaultSTGID when empty
	AuthToken     string // DefaultAuthToken when empty
	CallbackToken string // DefaultCallbackToken when empty
	// SecurityKey, when set, makes the gateway expect encrypted request bodies and encrypt its answers and callbacks.
	SecurityKey  string
	SerialNumber string         // DefaultSerialNumber when empty
	Label        string         // the device's LabelName; DefaultLabel when empty
	Zone         *time.Location // the device's time zone; nil means the PC's
	PageSize     int            // LoadLog rows per page; DefaultPageSize when 0
	CallbackURL  string         // where callbacks go; none are sent when empty
	// CommandDelay is how long queued commands wait before the device acts (a real one takes about 15 s).
	CommandDelay time.Duration
	// ProcessingTime holds each call so that parallel calls collide as on the real gateway;
	// DefaultProcessingTime when 0, none when negative.
	ProcessingTime time.Duration
	RetryBackoff   time.Duration // first wait before a callback is sent again, doubling; DefaultRetryBackoff when 0
	MaxAttempts    int           // tries per callback; DefaultMaxAttempts when 0
	ResendChunk    int           // punches per ResendAttendance callback; DefaultResendChunk when 0
	Seed           int64         // makes generated data and callback splits repeatable

	// OnDelivered is called after each callback is delivered (err nil) or given up on. It runs on the sender's
	// goroutine: a UI must hand it over to its own thread.
	OnDelivered func(kind string, err error)
	// OnRequest is called after each RESTful call is answered, on the request's goroutine.
	OnRequest func(Exchange)
}

// Errors of the callback side.
var (
	ErrOffline       = errors.New("simulator: the device is offline")
	ErrNoCallbackURL = errors.New("simulator: no callback URL is configured")
	ErrNoUsers       = errors.New("simulator: the device has no users")
	ErrUserNotFound  = errors.New("simulator: no such user on the device")
	ErrQueueFull     = errors.New("simulator: too many queued commands; this one was dropped")
	ErrStarted       = errors.New("simulator: already started")
	ErrClosed        = errors.New("simulator: the gateway is closed")
)

// Gateway is the simulated gateway and its device. Its methods are safe for concurrent use.
type Gateway struct {
	cfg         Config
	zone        *time.Location
	callbackURL string // CallbackURL with ?stgid=, or "" when none or invalid
	client      *http.Client

	busy    atomic.Bool
	offline atomic.Bool
	wake    chan struct{}

	mu        sync.Mutex
	rng       *rand.Rand
	users     map[string]*user
	order     []string // user ids in display order; nil when users changed
	cursor    int      // next user for a live punch
	logs      logStore
	exchanges []Exchange
	pending   []job

	calls, refused, busyAnswers atomic.Int64
	delivered, failed, retries  atomic.Int64

	runMu     sync.Mutex
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	punchStop context.CancelFunc
	punchDone chan struct{}
	closed    bool
}

// New makes a gateway with an empty device. Check cfg with Validate first: a gateway with a malformed
// security key answers every call with status 13, as a misconfigured real one would.
func New(cfg Config) *Gateway {
	cfg = cfg.withDefaults()
	zone := cfg.Zone
	if zone == nil {
		zone = time.Local
	}
	seed := uint64(cfg.Seed)
	return &Gateway{
		cfg:         cfg,
		zone:        zone,
		callbackURL: callbackTarget(cfg.CallbackURL, cfg.STGID),
		client:      &http.Client{Timeout: callbackTimeout},
		wake:        make(chan struct{}, 1),
		rng:         rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		users:       map[string]*user{},
		logs:        newLogStore(),
	}
}

func (c Config) withDefaults() Config {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&c.STGID, DefaultSTGID)
	def(&c.AuthToken, DefaultAuthToken)
	def(&c.CallbackToken, DefaultCallbackToken)
	def(&c.SerialNumber, DefaultSerialNumber)
	def(&c.Label, DefaultLabel)
	if c.PageSize <= 0 {
		c.PageSize = DefaultPageSize
	}
	if c.ProcessingTime == 0 {
		c.ProcessingTime = DefaultProcessingTime
	}
	if c.RetryBackoff <= 0 {
		c.RetryBackoff = DefaultRetryBackoff
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.ResendChunk <= 0 {
		c.ResendChunk = DefaultResendChunk
	}
	if c.CommandDelay < 0 {
		c.CommandDelay = 0
	}
	return c
}

// Config returns the configuration in use, defaults filled in.
func (g *Gateway) Config() Config { return g.cfg }

// Zone is the device's time zone.
func (g *Gateway) Zone() *time.Location { return g.zone }

// Start runs the background sender of queued callbacks until ctx ends or Close is called.
func (g *Gateway) Start(ctx context.Context) error {
	g.runMu.Lock()
	defer g.runMu.Unlock()
	if g.closed {
		return ErrClosed
	}
	if g.cancel != nil {
		return ErrStarted
	}
	ctx, g.cancel = context.WithCancel(ctx)
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		g.runJobs(ctx)
	}()
	return nil
}

// Close stops the background sender and live punches and waits for them. Queued callbacks are dropped.
func (g *Gateway) Close() {
	g.StopPunches()
	g.runMu.Lock()
	cancel := g.cancel
	g.closed = true
	g.runMu.Unlock()
	if cancel != nil {
		cancel()
	}
	g.wg.Wait()
	g.client.CloseIdleConnections()
}

// SetOffline puts the device offline (calls get status 5, no callbacks are sent) or back online.
func (g *Gateway) SetOffline(off bool) {
	g.offline.Store(off)
	if !off {
		g.poke()
	}
}

// Offline reports whether the device is offline.
func (g *Gateway) Offline() bool { return g.offline.Load() }

// Stats counts what the gateway has done and holds.
type Stats struct {
	Users, Templates, Logs, Photos int
	// Calls is every RESTful call received; Refused those answered with a status other than 0, Busy those with 37.
	Calls, Refused, Busy int64
	// Delivered and Failed count callbacks; Retries counts repeated attempts; Pending counts queued commands.
	Delivered, Failed, Retries int64
	Pending                    int
	Offline                    bool
}

// Stats returns a snapshot of the counters and the device's contents.
func (g *Gateway) Stats() Stats {
	g.mu.Lock()
	s := Stats{Users: len(g.users), Logs: len(g.logs.rows), Photos: g.logs.photos, Pending: len(g.pending)}
	for _, u := range g.users {
		s.Templates += len(u.templates)
	}
	g.mu.Unlock()
	s.Calls, s.Refused, s.Busy = g.calls.Load(), g.refused.Load(), g.busyAnswers.Load()
	s.Delivered, s.Failed, s.Retries = g.delivered.Load(), g.failed.Load(), g.retries.Load()
	s.Offline = g.offline.Load()
	return s
}

func (g *Gateway) poke() {
	select {
	case g.wake <- struct{}{}:
	default:
	}
}
