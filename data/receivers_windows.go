//go:build windows

package data

import (
	"errors"
	"os"
	"syscall"
)

// processAlive reports whether a process with pid runs on this host (0 or less: unknown, taken as alive). A
// process this user may not open (a service) is alive.
func processAlive(pid int) bool {
	if pid <= 0 {
		return true
	}
	p, err := os.FindProcess(pid)
	if err != nil {
		return errors.Is(err, syscall.ERROR_ACCESS_DENIED)
	}
	p.Release()
	return true
}
