package data

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// The generated store the read benchmarks share: made once per test process, on first use,
// so plain `go test` never builds it.
const (
	benchDevices = 4
	benchUsers   = 5000
	benchPunches = 500000
)

var bench struct {
	once  sync.Once
	dir   string
	store *Store
	took  time.Duration
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bench.store != nil {
		bench.store.Close()
	}
	if bench.dir != "" {
		os.RemoveAll(bench.dir)
	}
	os.Exit(code)
}

func benchStore(b *testing.B) *Store {
	b.Helper()
	bench.once.Do(func() {
		if bench.dir, bench.err = os.MkdirTemp("", "camsdesk-bench-"); bench.err != nil {
			return
		}
		if bench.store, bench.err = Open(filepath.Join(bench.dir, DBFileName)); bench.err != nil {
			return
		}
		start := time.Now()
		bench.err = GenerateDemo(context.Background(), bench.store, benchDevices, benchUsers, benchPunches, 1)
		bench.took = time.Since(start)
		fmt.Fprintf(os.Stderr, "generated %d punches for %d users in %v\n", benchPunches, benchUsers, bench.took.Round(time.Millisecond))
	})
	if bench.err != nil {
		b.Fatalf("generate bench store: %v", bench.err)
	}
	return bench.store
}

func BenchmarkApplyPunches(b *testing.B) {
	ctx := context.Background()
	s := openTestStore(b)
	d := mustDevice(b, s, "STG-1", "Gate")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const batch = 256
	ps := make([]Punch, batch)
	n := 0
	for b.Loop() {
		for i := range ps {
			ps[i] = Punch{UserID: fmt.Sprint(n % 500), UTC: base.Add(time.Duration(n) * time.Second),
				UTCOffset: 3 * 3600, LogTime: "x", Type: "CheckIn", InputType: "Fingerprint", Source: SourceCallback}
			n++
		}
		sum, err := s.Apply(ctx, Change{DeviceID: d.ID, Punches: ps})
		if err != nil || sum.NewPunches != batch {
			b.Fatalf("Apply = %+v, %v", sum, err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "punches/s")
}

func BenchmarkPunchesFirstPage(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	for b.Loop() {
		rows, err := s.Punches(ctx, PunchFilter{Limit: 100})
		if err != nil || len(rows) != 100 {
			b.Fatalf("Punches = %d rows, %v", len(rows), err)
		}
	}
}

func BenchmarkPunchesFiltered(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	last, err := s.Punches(ctx, PunchFilter{Limit: 1})
	if err != nil || len(last) == 0 {
		b.Fatalf("latest punch: %v", err)
	}
	day := last[0].LocalDate
	week := last[0].UTC.AddDate(0, 0, -6).Format(DateLayout)
	filters := []struct {
		name string
		f    PunchFilter
	}{
		{"user", PunchFilter{DeviceID: 1, UserID: "42"}},
		{"device", PunchFilter{DeviceID: 2}},
		{"day", PunchFilter{FromDate: day, ToDate: day}},
		{"device_week", PunchFilter{DeviceID: 3, FromDate: week, ToDate: day}},
		{"type", PunchFilter{Type: "BreakOut"}},
		{"text", PunchFilter{Text: "okafor"}},
		{"unknown_user", PunchFilter{UserID: "90001"}},
	}
	for _, tt := range filters {
		tt.f.Limit = 100
		b.Run(tt.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Punches(ctx, tt.f); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tt.name+"_count", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.CountPunches(ctx, tt.f); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCountPunchesAll(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if n, err := s.CountPunches(context.Background(), PunchFilter{}); err != nil || n != benchPunches {
			b.Fatalf("CountPunches = %d, %v", n, err)
		}
	}
}

func BenchmarkEachPunchAll(b *testing.B) {
	s := benchStore(b)
	rows := 0
	for b.Loop() {
		err := s.EachPunch(context.Background(), PunchFilter{}, func(PunchRow) error { rows++; return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
}

func BenchmarkUsersFirstPage(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := s.Users(context.Background(), UserFilter{Limit: 100}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnknownUsers(b *testing.B) {
	s := benchStore(b)
	for b.Loop() {
		if _, err := s.UnknownUsers(context.Background()); err != nil {
			b.Fatal(err)
		}
	}
}
