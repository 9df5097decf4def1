package ui

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// Services are what the screens work with: the store, the receiver and its HTTP server, the config file,
// device clients and the demo simulator. Screens read Config on the UI goroutine and change it only through
// UpdateConfig; Profiles is the copy other goroutines read.
type Services struct {
	Store      *data.Store
	Receiver   *receiver.Receiver
	Server     *CallbackServer
	Config     *data.Config
	ConfigPath string
	DataDir    string
	Simulator  *Simulation // the first-run demo device; nil when none runs
	Logger     *slog.Logger

	mu       sync.RWMutex // guards profiles and the receiver's lease, remote and live fields
	profiles []device.Profile

	// lease is this PC's hold on receiving for the database; leaseGone is set once it was lost to another
	// program or given up, and resuming must claim it again. remote is who receives instead (live.go).
	lease     *data.ReceiverLease
	leaseGone bool
	remote    *data.ReceiverInfo
	liveStop  context.CancelFunc // stops following the store; nil when not following
	ctx       context.Context    // of Start, ended by Close

	// saved is the config as the file holds it; Config is saved with the environment's overrides on top.
	saved  *data.Config
	getenv func(string) string

	ui        uiRunner
	listeners []func([]receiver.Event) // touched on the UI goroutine only
	stop      context.CancelFunc
	done      chan struct{} // closed by Close
	closeOnce sync.Once
	wg        sync.WaitGroup
}

// NewServices wires the parts cmd/camsdesk opened. cfg is owned by the returned Services from now on.
func NewServices(store *data.Store, rcv *receiver.Receiver, cfg *data.Config, configPath string, log *slog.Logger) *Services {
	if log == nil {
		log = slog.Default()
	}
	s := &Services{
		Store: store, Receiver: rcv, Config: cfg, ConfigPath: configPath, DataDir: cfg.DataDir, Logger: log,
		ui: fyneRunner{}, done: make(chan struct{}),
	}
	if rcv != nil {
		s.Server = NewCallbackServer(rcv.Handler())
	}
	s.setProfiles(cfg.Devices)
	return s
}

// Profiles returns the configured devices; safe on any goroutine (the receiver calls it for every callback).
func (s *Services) Profiles() []device.Profile {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.profiles
}

func (s *Services) setProfiles(ps []device.Profile) {
	s.mu.Lock()
	s.profiles = slices.Clone(ps)
	s.mu.Unlock()
}

// Profile finds a configured device by name.
func (s *Services) Profile(name string) (device.Profile, bool) {
	return s.Config.Device(name)
}

// UpdateConfig changes a copy of the config with fn, checks it and saves it; only then does the change take
// effect. On an error nothing changes. Call it on the UI goroutine.
func (s *Services) UpdateConfig(fn func(c *data.Config) error) error {
	base := s.Config
	if s.saved != nil {
		base = s.saved
	}
	next := cloneConfig(base)
	if err := fn(next); err != nil {
		return err
	}
	effective := cloneConfig(next)
	if s.getenv != nil {
		if err := effective.ApplyEnv(s.getenv); err != nil {
			return err
		}
	}
	if err := effective.Validate(); err != nil {
		return err
	}
	if s.ConfigPath != "" {
		if err := next.Save(s.ConfigPath); err != nil {
			return fmt.Errorf("the settings could not be saved to %s: %w", s.ConfigPath, err)
		}
	}
	if s.saved != nil {
		s.saved = next
	}
	*s.Config = *effective
	s.setProfiles(effective.Devices)
	return nil
}

// UseEnv puts the CAMS_* environment overrides over the settings file: they take effect at once and are never
// written to the file, which keeps saved holds.
func (s *Services) UseEnv(saved *data.Config, getenv func(string) string) error {
	effective := cloneConfig(saved)
	if err := effective.ApplyEnv(getenv); err != nil {
		return err
	}
	s.saved, s.getenv = cloneConfig(saved), getenv
	*s.Config = *effective
	s.setProfiles(effective.Devices)
	return nil
}

func cloneConfig(c *data.Config) *data.Config {
	next := *c
	next.Devices = slices.Clone(c.Devices)
	return &next
}

// sendTimeouts bound the calls the screens make; the gateway answers within seconds when it answers at all.
var sendTimeouts = device.Timeouts{Connect: 10 * time.Second, Total: 60 * time.Second}

// Client returns a client for p that records every exchange in the store.
func (s *Services) Client(p device.Profile) (*device.Client, error) {
	opts := []device.Option{device.WithTimeouts(sendTimeouts), device.WithLogger(s.Logger)}
	if s.Store != nil {
		opts = append(opts, device.WithRecorder(s.recordExchange))
	}
	return device.NewClient(p, opts...)
}

// recordExchange stores one exchange; it runs on the sending goroutine.
func (s *Services) recordExchange(ex device.Exchange) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var deviceID uint
	if d, err := s.Store.DeviceBySTGID(ctx, ex.DeviceSTGID); err == nil {
		deviceID = d.ID
	} else if d, err := s.Store.EnsureDevice(ctx, ex.DeviceSTGID, s.deviceName(ex.DeviceSTGID)); err == nil {
		deviceID = d.ID
	}
	if err := s.Store.AddExchange(ctx, data.ExchangeOf(deviceID, ex)); err != nil {
		s.Logger.Warn("exchange not stored", "op", ex.Operation, "err", err)
	}
}

func (s *Services) deviceName(stgid string) string {
	for _, p := range s.Profiles() {
		if strings.TrimSpace(p.STGID) == strings.TrimSpace(stgid) {
			return p.Name
		}
	}
	return ""
}

// Start begins serving callbacks on the configured address and delivering receiver events to the screens.
// A listen error (port in use) is returned but the rest runs: the status bar offers another port.
func (s *Services) Start() error {
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	s.mu.Lock()
	s.ctx = ctx
	lease := s.lease
	s.mu.Unlock()
	if lease != nil {
		s.watchLease(lease)
	}
	if s.Receiver == nil {
		s.startLive()
	} else {
		events, unsubscribe := s.Receiver.Subscribe(eventBuffer)
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			<-ctx.Done()
			unsubscribe()
		}()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.pumpEvents(events)
		}()
	}
	var errs []error
	if s.Server != nil {
		if err := s.Server.Start(s.Config.Listen); err != nil {
			errs = append(errs, err)
		}
	}
	if p, ok := s.simulatedProfile(); ok {
		if err := s.startSimulation(p.Name); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Close stops the simulator, the HTTP server and the event delivery; the caller closes the receiver and store.
func (s *Services) Close(ctx context.Context) error {
	s.stopSimulation()
	var err error
	if s.Server != nil {
		err = s.Server.Stop(ctx)
	}
	if s.stop != nil {
		s.stop()
	}
	s.closeOnce.Do(func() { close(s.done) })
	s.wg.Wait()
	return err
}

// simulatedProfile is the first-run demo device, which CamsDesk runs itself. Other profiles marked simulated
// (camssim prints one) point at a simulator the user runs.
func (s *Services) simulatedProfile() (device.Profile, bool) {
	p, ok := s.Config.Device(SimulatedDeviceName)
	return p, ok && isDemo(p)
}

func isDemo(p device.Profile) bool {
	return p.Simulated && strings.EqualFold(p.Name, SimulatedDeviceName)
}

// OnEvents registers fn to get every batch of receiver events on the UI goroutine. Call it on the UI goroutine.
func (s *Services) OnEvents(fn func([]receiver.Event)) {
	s.listeners = append(s.listeners, fn)
}

// serverState is the callback server's state; a zero state when there is no server. While another program
// receives for the database, it says where: "Receiving on pc-2 (another PC)".
func (s *Services) serverState() ServerState {
	if r := s.Remote(); r != nil && (s.Server == nil || !s.Server.State().Running) {
		return ServerState{Addr: remoteName(r), Running: true, Remote: remoteName(r)}
	}
	if s.Server == nil {
		return ServerState{Addr: s.Config.Listen}
	}
	return s.Server.State()
}

// ToggleReceiver pauses this PC's receiver, or starts it when it is paused or another program receives.
func (s *Services) ToggleReceiver() error {
	if st := s.serverState(); st.Running && st.Remote == "" {
		return s.PauseReceiver()
	}
	return s.ResumeReceiver()
}

// PauseReceiver stops listening for callbacks; the gateway keeps them and retries.
func (s *Services) PauseReceiver() error {
	if s.Server == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return s.Server.Stop(ctx)
}

// ResumeReceiver listens again on the configured address, once this PC may receive for the database.
func (s *Services) ResumeReceiver() error {
	if err := s.mayReceive(); err != nil {
		return err
	}
	return s.Server.Start(s.Config.Listen)
}

// Listen moves the receiver to addr and saves it when it works; the simulated device follows. On an error
// the receiver stays where it was (or stopped, if it was not listening).
func (s *Services) Listen(addr string) error {
	addr = strings.TrimSpace(addr)
	probe := *s.Config
	probe.Listen = addr
	for _, fe := range data.FieldErrors(probe.Validate()) {
		if fe.Field == "listen" {
			return errors.New(fe.Msg)
		}
	}
	if err := s.mayReceive(); err != nil {
		return err
	}
	before := s.Server.State()
	if err := s.Server.Start(addr); err != nil {
		if before.Running {
			_ = s.Server.Start(before.Addr)
		}
		return err
	}
	if err := s.UpdateConfig(func(c *data.Config) error { c.Listen = addr; return nil }); err != nil {
		return err
	}
	if p, ok := s.simulatedProfile(); ok && s.Simulator != nil {
		return s.startSimulation(p.Name)
	}
	return nil
}

// UseReceiverLease hands the services this PC's receiver lease (nil when it has none) and the program that
// receives instead (nil when none), as cmd/camsdesk claimed them. Call it before Start.
func (s *Services) UseReceiverLease(lease *data.ReceiverLease, holder *data.ReceiverInfo) {
	s.mu.Lock()
	s.lease, s.remote = lease, holder
	s.mu.Unlock()
}

// ReleaseLease gives up this PC's receiver lease; call it after the receiver has closed.
func (s *Services) ReleaseLease(ctx context.Context) error {
	s.mu.Lock()
	l := s.lease
	s.lease, s.leaseGone = nil, true
	s.mu.Unlock()
	return l.Release(ctx)
}

// errNoReceiverHere: this CamsDesk started without a receiver.
var errNoReceiverHere = errors.New("this PC does not receive callbacks: receiving was turned off in Settings, or " +
	"another PC received for the database when CamsDesk started; restart CamsDesk to receive here")

// mayReceive checks that this PC may listen: it has a receiver, receiving is not turned off, and no other
// program receives for the database (the lease is claimed again after it was lost or given up).
func (s *Services) mayReceive() error {
	if s.Server == nil {
		return errNoReceiverHere
	}
	if s.Config.ReceiverOff {
		return errors.New("receiving callbacks on this PC is turned off in Settings")
	}
	s.mu.RLock()
	gone := s.leaseGone
	s.mu.RUnlock()
	if !gone || s.Store == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lease, holder, err := s.Store.ClaimReceiver(ctx, data.ThisReceiver(data.ReceiverDesktop, s.Config.Listen), data.ReceiverTTL)
	if err != nil {
		return fmt.Errorf("the database cannot tell whether another PC receives: %w", err)
	}
	if holder != nil {
		s.setRemote(holder)
		return fmt.Errorf("%s receives the callbacks for this database; one receiver at a time", remoteName(holder))
	}
	s.stopLive()
	s.mu.Lock()
	s.lease, s.leaseGone, s.remote = lease, false, nil
	s.mu.Unlock()
	s.watchLease(lease)
	return nil
}

// watchLease stops the receiver when another program takes the lease (camsd serve does), and follows the
// store from then on.
func (s *Services) watchLease(l *data.ReceiverLease) {
	s.mu.RLock()
	ctx := s.ctx
	s.mu.RUnlock()
	if ctx == nil {
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		select {
		case <-ctx.Done():
			return
		case <-l.Lost():
		}
		s.mu.Lock()
		current := s.lease == l
		if current {
			s.lease, s.leaseGone = nil, true
		}
		s.mu.Unlock()
		if !current {
			return
		}
		holder := l.Holder()
		if holder != nil {
			s.Logger.Warn("another program took over receiving callbacks for the database: this PC stops receiving",
				"host", holder.Host, "kind", holder.Kind)
		}
		if s.Server != nil {
			stop, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			s.Server.Stop(stop)
			cancel()
		}
		s.setRemote(holder)
		s.startLive()
	}()
}

// SetReceiverOff turns receiving on this PC off (another PC or camsd serve receives for the database) or on
// again, and saves it. Off takes effect at once; on takes effect at once when this CamsDesk has a receiver
// and no other program receives, else from the next start (the error says why). Call it on the UI goroutine.
func (s *Services) SetReceiverOff(off bool) error {
	if err := s.UpdateConfig(func(c *data.Config) error { c.ReceiverOff = off; return nil }); err != nil {
		return err
	}
	if !off {
		if s.serverState().Running && s.Remote() == nil {
			return nil
		}
		return s.ResumeReceiver()
	}
	var errs []error
	if s.Server != nil {
		errs = append(errs, s.PauseReceiver())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	errs = append(errs, s.ReleaseLease(ctx))
	s.startLive()
	return errors.Join(errs...)
}
