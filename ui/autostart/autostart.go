// Package autostart starts a program when the user logs in: an XDG autostart file on Linux and the BSDs, the
// Run registry key on Windows, a LaunchAgent on macOS.
package autostart

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Entry is the program to start at login.
type Entry struct {
	ID   string   // reverse-DNS id, e.g. "io.github.camsdesk"; names the file or registry value
	Name string   // for people, e.g. "CamsDesk"
	Exec []string // program path and its arguments
}

func (e Entry) check() error {
	if e.ID == "" || strings.ContainsAny(e.ID, `/\`) {
		return fmt.Errorf("autostart: id %q is empty or has a path separator", e.ID)
	}
	if len(e.Exec) == 0 || e.Exec[0] == "" {
		return errors.New("autostart: no program to start")
	}
	return nil
}

// Enable makes the program start at login, replacing an older entry with the same id.
func Enable(e Entry) error {
	if err := e.check(); err != nil {
		return err
	}
	return enable(e)
}

// Disable stops the program from starting at login; an entry that is not there is not an error.
func Disable(e Entry) error {
	if err := e.check(); err != nil {
		return err
	}
	return disable(e)
}

// Enabled reports whether an entry with e's id is installed.
func Enabled(e Entry) (bool, error) {
	if err := e.check(); err != nil {
		return false, err
	}
	return enabled(e)
}

// writeFile writes b to path through a temporary file in the same folder, creating the folder.
func writeFile(path string, b []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("autostart: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("autostart: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

func removeFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

func fileExists(path string) (bool, error) {
	_, err := os.Stat(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	}
	return false, fmt.Errorf("autostart: %w", err)
}
