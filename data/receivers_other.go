//go:build !unix && !windows

package data

// processAlive cannot look at processes here: every process is taken as alive, so only the heartbeat counts.
func processAlive(int) bool { return true }
