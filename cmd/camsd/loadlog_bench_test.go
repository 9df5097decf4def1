package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkLoadLog times "camsd loadlog" of 100,000 simulated punches over loopback into a new SQLite store,
// at 50 and 1,000 rows a page. scripts/loadlog-bench.sh measures the 500,000-row import with separate processes.
func BenchmarkLoadLog(b *testing.B) {
	const rows = 100000
	for _, page := range []int{50, 1000} {
		b.Run(fmt.Sprintf("page=%d/batch=%d", page, loadLogBatch), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				f := newLoadLogFixture(b, rows, page, nil)
				b.StartTimer()
				out, errOut, code := f.run(context.Background())
				b.StopTimer()
				if code != exitOK {
					b.Fatalf("exit %d: %s", code, errOut)
				}
				if !strings.HasSuffix(out, fmt.Sprintf(": %d new, 0 already stored\n", rows)) {
					b.Fatalf("stdout %q", out)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}

// BenchmarkLoadLogBatch compares punches per Store.Apply, at 1,000 rows a page (the store is the slow side).
func BenchmarkLoadLogBatch(b *testing.B) {
	const rows = 100000
	defer func(n int) { loadLogBatch = n }(loadLogBatch)
	for _, batch := range []int{2000, 10000, 50000} {
		loadLogBatch = batch
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			for range b.N {
				b.StopTimer()
				f := newLoadLogFixture(b, rows, 1000, nil)
				b.StartTimer()
				out, errOut, code := f.run(context.Background())
				b.StopTimer()
				if code != exitOK || !strings.HasSuffix(out, fmt.Sprintf(": %d new, 0 already stored\n", rows)) {
					b.Fatalf("exit %d: %s%s", code, out, errOut)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
