package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

// serveOptions are serve's flags.
type serveOptions struct {
	listen        string
	callback      string
	stgid         string
	token         string
	callbackToken string
	securityKey   string
	zone          string
	serial        string
	label         string
	users         int
	logs          int
	days          int
	pageSize      int
	rate          float64
	delay         time.Duration
	processing    time.Duration
	seed          int64
	quiet         bool
}

func init() { rootCmd.AddCommand(newServeCmd()) }

func newServeCmd() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the simulated gateway and print the endpoint and credentials to use",
		Example: `  camssim serve --callback http://127.0.0.1:5000/callback
  camssim serve --callback http://127.0.0.1:5000/callback --logs 500000 --rate 20 --security-key 0123456789abcdef0123456789abcdef`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:8090", "address the RESTful endpoint listens on")
	f.StringVar(&o.callback, "callback", "", "callback URL the device posts to (?stgid= is appended); none when empty")
	f.StringVar(&o.stgid, "stgid", simulator.DefaultSTGID, "service tag id of the simulated device")
	f.StringVar(&o.token, "token", simulator.DefaultAuthToken, "auth token RESTful calls must carry (32 characters)")
	f.StringVar(&o.callbackToken, "callback-token", simulator.DefaultCallbackToken, "auth token the callbacks carry (32 characters)")
	f.StringVar(&o.securityKey, "security-key", "", "32-character security key: bodies are then encrypted both ways")
	f.StringVar(&o.zone, "zone", "+05:30", "the device's time zone: an offset like +05:30 or a name like Asia/Kolkata")
	f.StringVar(&o.serial, "serial", simulator.DefaultSerialNumber, "the device's serial number")
	f.StringVar(&o.label, "label", simulator.DefaultLabel, "the device's label (LabelName)")
	f.IntVar(&o.users, "users", simulator.DefaultUsers, "users on the device at start")
	f.IntVar(&o.logs, "logs", 5000, fmt.Sprintf("punch logs on the device at start, at most %d", simulator.MaxLogs))
	f.IntVar(&o.days, "days", 30, "the start logs cover this many days up to now")
	f.IntVar(&o.pageSize, "page-size", simulator.DefaultPageSize, "LoadLog rows per page")
	f.Float64Var(&o.rate, "rate", 1, "live punches sent to the callback per second; 0 for none")
	f.DurationVar(&o.delay, "delay", 2*time.Second, "how long queued commands wait before the device acts (a real one takes about 15s)")
	f.DurationVar(&o.processing, "processing-time", simulator.DefaultProcessingTime, "how long each RESTful call is held, as a real gateway takes; 0 for none")
	f.Int64Var(&o.seed, "seed", 1, "seed for the generated users and logs")
	f.BoolVar(&o.quiet, "quiet", false, "do not print each call and callback")
	return cmd
}

// runServe runs the simulator until ctx ends.
func runServe(ctx context.Context, o serveOptions, stdout io.Writer) error {
	zone, err := device.ParseZone(o.zone)
	if err != nil {
		return fmt.Errorf("--zone: %w", err)
	}
	switch {
	case o.users < 0 || o.users > simulator.MaxUsers:
		return fmt.Errorf("--users: must be 0 to %d", simulator.MaxUsers)
	case o.logs < 0 || o.logs > simulator.MaxLogs:
		return fmt.Errorf("--logs: must be 0 to %d", simulator.MaxLogs)
	case o.days < 1:
		return errors.New("--days: must be 1 or more")
	case o.rate < 0 || o.rate > simulator.MaxPunchRate:
		return fmt.Errorf("--rate: must be 0 to %d per second", simulator.MaxPunchRate)
	case o.pageSize < 1:
		return errors.New("--page-size: must be 1 or more")
	case o.processing < 0:
		return errors.New("--processing-time: must be 0 or more")
	}
	processing := o.processing
	if processing == 0 {
		processing = -1 // the simulator's "none"
	}
	out := &lockedWriter{w: stdout}
	cfg := simulator.Config{
		STGID: o.stgid, AuthToken: o.token, CallbackToken: o.callbackToken, SecurityKey: o.securityKey,
		SerialNumber: o.serial, Label: o.label, Zone: zone, PageSize: o.pageSize, CallbackURL: o.callback,
		CommandDelay: o.delay, ProcessingTime: processing, Seed: o.seed,
	}
	if !o.quiet {
		cfg.OnRequest = func(ex simulator.Exchange) {
			out.printf("%s  call      %-22s %-14s status %d %s\n", ex.At.Format("15:04:05"), ex.Operation, ex.OperationID, ex.StatusCode, ex.Message)
		}
		cfg.OnDelivered = func(kind string, err error) {
			if err != nil {
				out.printf("%s  callback  %-22s NOT DELIVERED: %v\n", time.Now().Format("15:04:05"), kind, err)
				return
			}
			out.printf("%s  callback  %-22s delivered\n", time.Now().Format("15:04:05"), kind)
		}
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	g := simulator.New(cfg)
	if _, err := g.SeedUsers(o.users); err != nil {
		return err
	}
	now := time.Now()
	if o.logs > 0 {
		if err := g.GeneratePunches(o.logs, now.AddDate(0, 0, -o.days), now); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("--listen: %w", err)
	}
	srv := &http.Server{Handler: g.Handler(), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if err := g.Start(ctx); err != nil {
		_ = srv.Close()
		return err
	}
	defer g.Close()
	punching := o.rate > 0 && o.callback != ""
	if punching {
		if err := g.StartPunches(ctx, o.rate); err != nil {
			_ = srv.Close()
			return err
		}
	}
	printBanner(out, g, endpointURL(ln.Addr()), o, punching)

	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("the endpoint stopped: %w", err)
	}
	out.printf("Stopping.\n")
	g.StopPunches()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return fmt.Errorf("stopping the endpoint: %w", err)
	}
	return nil
}

// endpointURL is the RESTful endpoint for a listening address; an unspecified host is reached on 127.0.0.1.
func endpointURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + simulator.EndpointPath
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + simulator.EndpointPath
}

func printBanner(out *lockedWriter, g *simulator.Gateway, endpoint string, o serveOptions, punching bool) {
	cfg := g.Config()
	st := g.Stats()
	key := "(none: bodies are plain JSON)"
	if cfg.SecurityKey != "" {
		key = cfg.SecurityKey
	}
	callbacks := "(none: give --callback URL to receive punches and user updates)"
	if t := g.CallbackTarget(); t != "" {
		callbacks = t
	}
	rate := "none"
	if punching {
		rate = strconv.FormatFloat(o.rate, 'f', -1, 64) + " per second"
	}
	out.printf(`camssim: a simulated Cams gateway is running.

Simulator credentials (they work on this simulator only, never on a real gateway):
  RESTful endpoint  %s
  stgid             %s
  Auth token        %s
  Callback token    %s
  Security key      %s

Device:
  Serial / label    %s / %s
  Time zone         %s
  Users / logs      %d users, %d punch logs (%d with photos), LoadLog pages of %d rows
  Callbacks to      %s
  Live punches      %s; queued commands act after %s

`, endpoint, cfg.STGID, cfg.AuthToken, cfg.CallbackToken, key,
		cfg.SerialNumber, cfg.Label, zoneLabel(o.zone, g.Zone()), st.Users, st.Logs, st.Photos,
		cfg.PageSize, callbacks, rate, cfg.CommandDelay)
	profile := device.Profile{
		Name: "Simulator", Endpoint: endpoint, STGID: cfg.STGID, AuthToken: cfg.AuthToken,
		CallbackAuthToken: cfg.CallbackToken, SecurityKey: cfg.SecurityKey, TimeZone: o.zone, Simulated: true,
	}
	if b, err := json.MarshalIndent(profile, "  ", "  "); err == nil {
		out.printf("Device profile for CamsDesk:\n  %s\n\nPress Ctrl+C to stop.\n", b)
	}
}

// zoneLabel is the zone as given and its current offset, e.g. "Asia/Kolkata (GMT +0530)".
func zoneLabel(given string, zone *time.Location) string {
	offset := device.FormatTime(time.Now(), zone)[len(device.WallLayout)+1:]
	if given == "" || given == offset {
		return offset
	}
	return given + " (" + offset + ")"
}

// lockedWriter serialises writes from the request and callback goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = fmt.Fprintf(l.w, format, args...)
}
