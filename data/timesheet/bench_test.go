package timesheet

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
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
	cpu, hasCPU := datatest.ProcessCPU()
	for b.Loop() {
		var err error
		if rep, err = Build(context.Background(), s, opts); err != nil {
			b.Fatal(err)
		}
	}
	if after, ok := datatest.ProcessCPU(); ok && hasCPU {
		b.ReportMetric((after-cpu)/float64(b.N), "cpu-s/op")
	}
	b.ReportMetric(float64(rep.Punches), "punches")
	b.ReportMetric(float64(len(rep.Days)), "days")
}
