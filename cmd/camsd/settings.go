package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/camsdesk/camsdesk/data"
)

// Flags every command shares (--config, --data-dir, --db: persistent on the root) and --listen for the
// commands that run the callback receiver (addListenFlag).
const (
	flagConfig  = "config"
	flagDataDir = "data-dir"
	flagDB      = "db"
	flagListen  = "listen"
)

// addListenFlag gives cmd the --listen flag, which loadSettings applies.
func addListenFlag(cmd *cobra.Command) {
	cmd.Flags().String(flagListen, "", "address the callback receiver listens on, e.g. :5000 or 127.0.0.1:5000 (default: the config's listen, else :5000)")
}

// configPath is --config, else data.DefaultConfigPath.
func configPath(cmd *cobra.Command) (string, error) {
	if f := cmd.Flags().Lookup(flagConfig); f != nil && f.Value.String() != "" {
		return f.Value.String(), nil
	}
	path, err := data.DefaultConfigPath()
	if err != nil {
		return "", usageError(err)
	}
	return path, nil
}

// loadSettings is the effective configuration for cmd: the config file (the defaults when there is none), then
// the CAMS_* environment variables, then the --data-dir, --db and --listen flags. It does not validate: a command
// that needs a working config calls loadValidSettings. Errors carry their exit code.
func loadSettings(cmd *cobra.Command) (*data.Config, error) {
	path, err := configPath(cmd)
	if err != nil {
		return nil, err
	}
	cfg, err := loadFile(path)
	if err != nil {
		return nil, err
	}
	if err := cfg.ApplyEnv(getenvOf(cmd)); err != nil {
		return nil, usageError(err)
	}
	if f := cmd.Flags().Lookup(flagDataDir); f != nil && f.Changed {
		dir := strings.TrimSpace(f.Value.String())
		if dir == "" {
			return nil, usageError(errors.New("--data-dir: name a folder, e.g. --data-dir ./camsdata"))
		}
		if abs, err := filepath.Abs(dir); err == nil {
			dir = abs
		}
		cfg.DataDir = dir
	}
	if f := cmd.Flags().Lookup(flagDB); f != nil && f.Changed {
		dsn := strings.TrimSpace(f.Value.String())
		if dsn == "" {
			return nil, usageError(errors.New("--db: name a database, e.g. --db postgres://camsdesk@db.example.com/camsdesk"))
		}
		cfg.DB = dsn
	}
	if f := cmd.Flags().Lookup(flagListen); f != nil && f.Changed {
		cfg.Listen = strings.TrimSpace(f.Value.String())
	}
	return cfg, nil
}

// openStore opens the database of cfg: its db (--db), else cams_data.db in its data folder. Errors never show
// a password.
func openStore(cfg *data.Config) (*data.Store, error) {
	if cfg.DB != "" {
		return data.Open(cfg.DB)
	}
	return data.OpenDir(cfg.DataDir)
}

// openExistingStore is openStore for commands that only read what is stored: without --db, the data folder
// must hold a database already (nothing is created).
func openExistingStore(cfg *data.Config) (*data.Store, error) {
	if cfg.DB == "" {
		if strings.TrimSpace(cfg.DataDir) == "" {
			return nil, usageError(errors.New("no data folder: pass --data-dir FOLDER (or --db DSN)"))
		}
		if path := filepath.Join(cfg.DataDir, data.DBFileName); !fileExists(path) {
			return nil, failure(fmt.Errorf("no database at %s: nothing stored yet (point --data-dir at the folder that holds %s, or pass --db)",
				path, data.DBFileName))
		}
	}
	store, err := openStore(cfg)
	if err != nil {
		return nil, failure(err)
	}
	return store, nil
}

// loadValidSettings is loadSettings followed by Validate: an invalid config is a usage error (exit 2) that
// lists every problem by field.
func loadValidSettings(cmd *cobra.Command) (*data.Config, error) {
	cfg, err := loadSettings(cmd)
	if err != nil {
		return nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, usageError(invalidConfigError(cmd, err))
	}
	return cfg, nil
}

// invalidConfigError lists a Validate error's problems, one a line, and says where the values came from.
func invalidConfigError(cmd *cobra.Command, err error) error {
	problems := data.FieldErrors(err)
	path, _ := configPath(cmd)
	var b strings.Builder
	noun := "problems"
	if len(problems) == 1 {
		noun = "problem"
	}
	fmt.Fprintf(&b, "the config has %d %s (file %s", len(problems), noun, path)
	var set []string
	getenv := getenvOf(cmd)
	for _, name := range data.EnvVars {
		if getenv(name) != "" {
			set = append(set, name)
		}
	}
	if len(set) > 0 {
		fmt.Fprintf(&b, ", overridden by %s", strings.Join(set, ", "))
	}
	b.WriteString("):")
	for _, p := range problems {
		fmt.Fprintf(&b, "\n  %s", p)
	}
	return errors.New(b.String())
}

// loadFile reads the config file as it is, without the environment or flags (for commands that save it).
func loadFile(path string) (*data.Config, error) {
	cfg, err := data.LoadConfig(path)
	if err != nil {
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			return nil, failure(err) // unreadable: permissions, something in the way
		}
		return nil, usageError(err) // readable but wrong: the message says where and how to fix it
	}
	return cfg, nil
}

// fileExists reports whether path names an existing file.
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
