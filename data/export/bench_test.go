package export

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
)

// BenchmarkExportPunches writes every punch of a store holding the device maximum of 500,000 (5,000 users),
// streamed from the store to a file, and reports the peak of the Go heap while it runs. Generating the store
// takes minutes: CAMSDESK_BENCH_DB names a store generated before with the same sizes.
func BenchmarkExportPunches(b *testing.B) {
	s := benchStore(b)
	for _, f := range Formats {
		b.Run(string(f), func(b *testing.B) {
			out := filepath.Join(b.TempDir(), "punches"+f.Ext())
			var rows int64
			var peak uint64
			b.ReportAllocs()
			for b.Loop() {
				runtime.GC()
				stop := samplePeakHeap(&peak)
				err := WriteFile(out, func(w io.Writer) error {
					ew, err := New(w, f, "Punches", PunchColumns)
					if err != nil {
						return err
					}
					if rows, err = Punches(context.Background(), s, data.PunchFilter{}, ew, nil); err != nil {
						return err
					}
					return ew.Close()
				})
				stop()
				if err != nil {
					b.Fatal(err)
				}
			}
			st, _ := os.Stat(out)
			b.ReportMetric(float64(rows), "rows")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(st.Size())/(1<<20), "file-MB")
			if hwm, ok := peakRSS(); ok {
				b.ReportMetric(float64(hwm)/(1<<20), "process-peak-RSS-MB")
			}
		})
	}
}

// samplePeakHeap records the largest heap in use, sampled every 20 ms, until stop is called.
func samplePeakHeap(peak *uint64) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for !done.Load() {
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapInuse+ms.StackInuse)
			time.Sleep(20 * time.Millisecond)
		}
	}()
	return func() { done.Store(true); wg.Wait() }
}

// peakRSS is the process's peak resident memory (VmHWM) where /proc tells it.
func peakRSS() (int64, bool) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

func benchStore(b *testing.B) *data.Store {
	b.Helper()
	if path := os.Getenv("CAMSDESK_BENCH_DB"); path != "" {
		s, err := data.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		return s
	}
	s, err := data.Open(filepath.Join(b.TempDir(), data.DBFileName))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := data.GenerateDemo(context.Background(), s, 8, 5000, 500_000, 1); err != nil {
		b.Fatal(err)
	}
	return s
}
