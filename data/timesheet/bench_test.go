package timesheet

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
)

// The generated store is shared by the benchmarks of one run and removed by TestMain.
var (
	benchOnce  sync.Once
	benchDir   string
	benchStore *data.Store
	benchErr   error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchStore != nil {
		benchStore.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// generated is a store with the device maximum of 500,000 punches from 5,000 users on 8 devices.
// Generating takes minutes: CAMSDESK_BENCH_DB names a store generated before (same sizes) to read instead.
func generated(b *testing.B) *data.Store {
	b.Helper()
	benchOnce.Do(func() {
		if path := os.Getenv("CAMSDESK_BENCH_DB"); path != "" {
			benchStore, benchErr = data.Open(path)
			return
		}
		if benchDir, benchErr = os.MkdirTemp("", "timesheet-bench-"); benchErr != nil {
			return
		}
		if benchStore, benchErr = data.Open(filepath.Join(benchDir, data.DBFileName)); benchErr != nil {
			return
		}
		start := time.Now()
		benchErr = data.GenerateDemo(context.Background(), benchStore, 8, 5000, 500_000, 1)
		b.Logf("generated 500,000 punches in %v", time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchStore
}

// BenchmarkBuildMonth is the timesheet of the last 30 days for every user.
func BenchmarkBuildMonth(b *testing.B) {
	s := generated(b)
	to := time.Now().UTC()
	opts := Options{From: to.AddDate(0, 0, -30).Format(data.DateLayout), To: to.Format(data.DateLayout),
		ShiftStart: "09:00", ShiftEnd: "17:00"}
	b.ReportAllocs()
	b.ResetTimer()
	var rep *Report
	cpu, hasCPU := processCPU()
	for b.Loop() {
		var err error
		if rep, err = Build(context.Background(), s, opts); err != nil {
			b.Fatal(err)
		}
	}
	if after, ok := processCPU(); ok && hasCPU {
		b.ReportMetric((after-cpu)/float64(b.N), "cpu-s/op")
	}
	b.ReportMetric(float64(rep.Punches), "punches")
	b.ReportMetric(float64(len(rep.Days)), "days")
}

// processCPU is the CPU time the process has used (user and system) where /proc/self/stat tells it,
// counted in the kernel's usual 100 ticks a second. On a loaded machine it says what a build costs better
// than the wall clock.
func processCPU() (float64, bool) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, false
	}
	s := string(b)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]) // after the command name: state is fields[0]
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
