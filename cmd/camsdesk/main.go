// Command camsdesk is the CamsDesk desktop app: the callback receiver with a window and a tray icon.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"time"
	_ "time/tzdata" // device time zones on machines without a zone database (Windows)

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/internal/version"
	"github.com/camsdesk/camsdesk/receiver"
	"github.com/camsdesk/camsdesk/ui"
	"github.com/camsdesk/camsdesk/ui/autostart"
	"github.com/camsdesk/camsdesk/ui/instance"
)

type flags struct {
	config, dataDir, listen, db string
	hidden, version             bool
}

func parseFlags(args []string) (flags, error) {
	var f flags
	fs := flag.NewFlagSet("camsdesk", flag.ContinueOnError)
	fs.StringVar(&f.config, "config", "", "settings file (default: config.json in the user config folder)")
	fs.StringVar(&f.dataDir, "data-dir", "", "folder for the database, photos and logs (overrides the settings file)")
	fs.StringVar(&f.listen, "listen", "", `callback receiver address such as ":5000" (overrides the settings file)`)
	fs.StringVar(&f.db, "db", "", "database: a postgres:// URL several PCs share, or a SQLite file (overrides the settings file)")
	fs.BoolVar(&f.hidden, "hidden", false, "start in the system tray")
	fs.BoolVar(&f.version, "version", false, "print the version and exit")
	return f, fs.Parse(args)
}

func main() {
	started := time.Now()
	f, err := parseFlags(os.Args[1:])
	if err != nil {
		os.Exit(2)
	}
	if f.version {
		fmt.Printf("camsdesk %s (%s, %s)\n", version.Version, version.Revision(), version.GoVersion())
		return
	}
	app.SetMetadata(ui.Metadata(version.Version))
	os.Exit(run(f, started))
}

// run opens the settings, the store and the receiver, shows the window and cleans up after Quit. The Fyne app
// is made only once this process is known to be the one instance, so that a second launch exits at once.
func run(f flags, started time.Time) int {
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(log)
	fyneApp := sync.OnceValue(func() fyne.App { return app.NewWithID(ui.AppID) })
	fatal := func(title string, err error) int {
		ui.ShowFatal(fyneApp(), title, err)
		return 1
	}

	configPath := f.config
	if configPath == "" {
		p, err := data.DefaultConfigPath()
		if err != nil {
			return fatal("CamsDesk cannot find where to keep its settings", err)
		}
		configPath = p
	}
	cfg, err := data.LoadConfig(configPath)
	if err != nil {
		return fatal("The settings file cannot be read", fmt.Errorf("%w\n\nCorrect or remove %s, then start CamsDesk again", err, configPath))
	}
	if f.dataDir != "" {
		cfg.DataDir = f.dataDir
	}
	if f.listen != "" {
		cfg.Listen = f.listen
	}
	if f.db != "" {
		cfg.DB = f.db
	}
	if cfg.DataDir == "" {
		return fatal("CamsDesk has no data folder", errors.New("start it with --data-dir FOLDER"))
	}
	saved := *cfg
	saved.Devices = slices.Clone(cfg.Devices)
	var startErrs []error
	if err := cfg.ApplyEnv(os.Getenv); err != nil {
		startErrs = append(startErrs, fmt.Errorf("the CAMS_* environment variables have problems:\n%s", problems(err)))
	}
	if err := cfg.Validate(); err != nil {
		startErrs = append(startErrs, fmt.Errorf("the settings file has problems; correct them in Devices and Settings:\n%s", problems(err)))
	}

	inst, err := instance.Claim(cfg.DataDir)
	if errors.Is(err, instance.ErrRunning) {
		fmt.Fprintln(os.Stderr, "camsdesk:", err)
		return 0
	}
	if err != nil {
		log.Warn("single-instance check unavailable", "err", err)
	} else {
		defer inst.Close()
	}

	store, err := openStore(cfg)
	if err != nil {
		return fatal("The database cannot be opened", fmt.Errorf("%w\n\nCorrect the database in Settings or %s", err, configPath))
	}
	defer store.Close()

	lease, holder := claimReceiver(store, cfg, log)
	var svc *ui.Services
	var rcv *receiver.Receiver
	if lease != nil || (holder == nil && !cfg.ReceiverOff) {
		rcv, err = receiver.New(receiver.Options{Store: store, DataDir: cfg.DataDir, Logger: log,
			Profiles: func() []device.Profile { return svc.Profiles() }})
		if err != nil {
			lease.Release(context.Background())
			return fatal("The callback receiver cannot start", err)
		}
	}
	svc = ui.NewServices(store, rcv, cfg, configPath, log)
	svc.UseReceiverLease(lease, holder)
	if err := svc.UseEnv(&saved, os.Getenv); err != nil {
		log.Warn("environment overrides ignored", "err", err)
	}
	if rcv != nil {
		if err := rcv.Start(context.Background()); err != nil {
			rcv.Close(context.Background())
			lease.Release(context.Background())
			return fatal("The callback receiver cannot start", err)
		}
	}
	if err := svc.Start(); err != nil {
		startErrs = append(startErrs, err)
	}

	bus, host := ui.DetectTray()
	fa := fyneApp()
	a := ui.NewApp(fa, svc, ui.Options{
		Hidden: f.hidden || cfg.StartHidden, TrayMenu: bus, TrayHost: host,
		Autostart: autostartEntry(f), Instance: inst, StartErr: errors.Join(startErrs...), Started: started,
	})
	stopSignals := quitOnSignal(fa)
	a.Run()
	stopSignals()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	code := 0
	if err := svc.Close(ctx); err != nil {
		log.Error("closing", "err", err)
		code = 1
	}
	if rcv != nil {
		if err := rcv.Close(ctx); err != nil {
			log.Error("closing the receiver", "err", err)
			code = 1
		}
	}
	if err := svc.ReleaseLease(ctx); err != nil {
		log.Warn("releasing the receiver lease", "err", err)
	}
	return code
}

// openStore opens the database of the settings: a PostgreSQL server (or SQLite file) several PCs may share,
// else cams_data.db in the data folder.
func openStore(cfg *data.Config) (*data.Store, error) {
	if cfg.DB != "" {
		return data.Open(cfg.DB)
	}
	return data.OpenDir(cfg.DataDir)
}

// claimReceiver takes the database's receiver lease unless receiving is turned off here or another program
// (a desktop on another PC, camsd serve) receives: then it returns that program. When the lease cannot be
// read, this PC receives without one rather than lose callbacks.
func claimReceiver(store *data.Store, cfg *data.Config, log *slog.Logger) (*data.ReceiverLease, *data.ReceiverInfo) {
	if cfg.ReceiverOff {
		log.Info("receiving callbacks is turned off on this PC")
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	lease, holder, err := store.ClaimReceiver(ctx, data.ThisReceiver(data.ReceiverDesktop, cfg.Listen), data.ReceiverTTL)
	if err != nil {
		log.Warn("the receiver lease cannot be claimed: receiving without it", "err", err)
		return nil, nil
	}
	if holder != nil {
		log.Info("another program receives callbacks for this database: following it", "host", holder.Host, "kind", holder.Kind)
	}
	return lease, holder
}

func problems(err error) string {
	var s string
	for _, fe := range data.FieldErrors(err) {
		s += "• " + fe.Error() + "\n"
	}
	return s
}

// autostartEntry starts this executable hidden, with the same settings file when one was named.
func autostartEntry(f flags) autostart.Entry {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	if abs, err := filepath.EvalSymlinks(exe); err == nil {
		exe = abs
	}
	args := []string{exe, "--hidden"}
	if f.config != "" {
		if abs, err := filepath.Abs(f.config); err == nil {
			args = append(args, "--config", abs)
		}
	}
	return autostart.Entry{ID: ui.AppID, Name: ui.AppName, Exec: args}
}

// quitOnSignal quits the app on SIGINT or SIGTERM, so that the receiver closes cleanly.
func quitOnSignal(fa fyne.App) func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ch:
			fyne.Do(fa.Quit)
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}
