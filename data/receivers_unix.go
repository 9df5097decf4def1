//go:build unix

package data

import (
	"errors"
	"syscall"
)

// processAlive reports whether a process with pid runs on this host (0 or less: unknown, taken as alive).
func processAlive(pid int) bool {
	if pid <= 0 {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
