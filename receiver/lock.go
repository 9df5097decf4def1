package receiver

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrDataDirInUse means another receiver (the desktop app or camsd serve) already uses the data dir.
var ErrDataDirInUse = errors.New("the data folder is in use by another CamsDesk receiver (the desktop app or camsd serve): stop it first, or use another data folder")

// lockFileName is held locked by the receiver that owns the journal.
const lockFileName = "LOCK"

// lockJournal takes the journal's lock file; the lock goes with the process, even when it is killed.
func lockJournal(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("journal: create %s: %w", dir, err)
	}
	f, err := os.OpenFile(filepath.Join(dir, lockFileName), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: lock: %w", err)
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
