package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

// Demo settings: a small office that punches every few seconds, with two weeks of history.
const (
	SimulatedDeviceName = "Simulated device"
	simUsers            = 12
	simHistoryDays      = 14
	simHistoryPunches   = 400
	simPunchRate        = 0.2 // punches per second
	simCommandDelay     = time.Second
	simSeed             = 20250101
)

// Simulation is the first-run demo device: the simulator's gateway on a loopback port, sending its callbacks to
// the embedded receiver.
type Simulation struct {
	Gateway  *simulator.Gateway
	Endpoint string // the RESTful endpoint URL of the simulated gateway

	srv    *http.Server
	cancel context.CancelFunc
}

// StartSimulation serves a simulated gateway on 127.0.0.1 that sends callbacks to callbackURL, with a seeded
// roster and two weeks of punches on the device.
func StartSimulation(callbackURL string) (*Simulation, error) {
	gw := simulator.New(simulator.Config{CallbackURL: callbackURL, CommandDelay: simCommandDelay, Seed: simSeed})
	if err := gw.Config().Validate(); err != nil {
		return nil, fmt.Errorf("simulated device: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simulated device: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := gw.Start(ctx); err != nil {
		cancel()
		ln.Close()
		return nil, fmt.Errorf("simulated device: %w", err)
	}
	sim := &Simulation{
		Gateway:  gw,
		Endpoint: "http://" + ln.Addr().String() + simulator.EndpointPath,
		srv:      &http.Server{Handler: gw.Handler(), ReadHeaderTimeout: 10 * time.Second},
		cancel:   cancel,
	}
	go sim.srv.Serve(ln)
	now := time.Now()
	_, seedErr := gw.SeedUsers(simUsers)
	genErr := gw.GeneratePunches(simHistoryPunches, now.AddDate(0, 0, -simHistoryDays), now.Add(-time.Hour))
	if err := errors.Join(seedErr, genErr); err != nil {
		sim.Close()
		return nil, fmt.Errorf("simulated device: %w", err)
	}
	return sim, nil
}

// Profile is the device profile that points at the simulated gateway.
func (s *Simulation) Profile(name string) device.Profile {
	cfg := s.Gateway.Config()
	return device.Profile{
		Name: name, Endpoint: s.Endpoint, STGID: cfg.STGID,
		AuthToken: cfg.AuthToken, CallbackAuthToken: cfg.CallbackToken, SecurityKey: cfg.SecurityKey,
		Simulated: true,
	}
}

// Close stops the live punches, the callback sender and the gateway's server.
func (s *Simulation) Close() {
	s.Gateway.Close()
	s.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		s.srv.Close()
	}
}

// startSimulation starts the simulated gateway for the profile named name, pointed at the receiver, and
// saves the profile with the gateway's endpoint (its port changes on every start). Call it on the UI goroutine.
func (s *Services) startSimulation(name string) error {
	st := s.serverState()
	if !st.Running {
		return errors.New("the simulated device needs the callback receiver: start it on a free port first (Settings)")
	}
	s.stopSimulation()
	sim, err := StartSimulation(loopbackURL(st.Bound))
	if err != nil {
		return err
	}
	p := sim.Profile(name)
	if old, ok := s.Config.Device(name); ok {
		p.TimeZone = old.TimeZone
	}
	if err := s.UpdateConfig(func(c *data.Config) error { c.Put(p); return nil }); err != nil {
		sim.Close()
		return err
	}
	s.Simulator = sim
	if err := sim.Gateway.StartPunches(context.Background(), simPunchRate); err != nil {
		s.Logger.Warn("simulated punches not started", "err", err)
	}
	return nil
}

// stopSimulation stops the simulated gateway if one runs.
func (s *Services) stopSimulation() {
	if s.Simulator != nil {
		s.Simulator.Close()
		s.Simulator = nil
	}
}

// fillFromSimulation has the simulated device send its users (with their templates, by UserUpdated callbacks)
// and resend two weeks of attendance, so that every screen has data. It runs off the UI goroutine.
func fillFromSimulation(ctx context.Context, sim *Simulation, client *device.Client) error {
	var errs []error
	for _, u := range sim.Gateway.Users() {
		if err := sim.Gateway.SendUserUpdated(ctx, u.UserID); err != nil {
			errs = append(errs, err)
			break
		}
	}
	op, ok := device.Lookup("ResendAttendance")
	if !ok {
		return errors.Join(append(errs, errors.New("the catalogue has no ResendAttendance"))...)
	}
	now := time.Now()
	params := device.Params{
		"StartTime": now.AddDate(0, 0, -simHistoryDays).Format(device.WallLayout),
		"EndTime":   now.Format(device.WallLayout),
	}
	if _, err := client.Send(ctx, op, params); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
