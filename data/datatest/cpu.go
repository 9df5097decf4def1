package datatest

import (
	"os"
	"strconv"
	"strings"
)

// ProcessCPU is the CPU time the process has used (user and system), in seconds, where /proc/self/stat tells
// it, counted in the kernel's usual 100 ticks a second. On a loaded machine it says what work costs better
// than the wall clock.
func ProcessCPU() (float64, bool) {
	raw, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	text := string(raw)
	fields := strings.Fields(text[strings.LastIndexByte(text, ')')+1:]) // after the command name
	if len(fields) < 13 {
		return 0, false
	}
	utime, err1 := strconv.ParseFloat(fields[11], 64)
	stime, err2 := strconv.ParseFloat(fields[12], 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return (utime + stime) / 100, true
}
