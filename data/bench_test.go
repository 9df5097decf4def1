package data

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data/datatest"
)

// The generated stores the read benchmarks share, one per kind of database: made once per test
// process, on first use, so plain `go test` never builds them.
const (
	benchDevices = 4
	benchUsers   = 5000
	benchPunches = 500000
)

type benchFixture struct {
	once  sync.Once
	store *Store
	drop  func() error // removes the database
	err   error
}

var benchStores = map[string]*benchFixture{datatest.SQLite: {}, datatest.Postgres: {}}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, f := range benchStores {
		if f.store != nil {
			f.store.Close()
		}
		if f.drop != nil {
			f.drop()
		}
	}
	os.Exit(code)
}

// eachBenchStore runs fn as one sub-benchmark per kind of database, on its generated store.
func eachBenchStore(b *testing.B, fn func(b *testing.B, s *Store)) {
	for _, kind := range []string{datatest.SQLite, datatest.Postgres} {
		b.Run(kind, func(b *testing.B) { fn(b, benchStore(b, kind)) })
	}
}

func benchStore(b *testing.B, kind string) *Store {
	b.Helper()
	if kind == datatest.Postgres && !datatest.PostgresAvailable() {
		b.Skipf("%s is not set", datatest.EnvPostgres)
	}
	f := benchStores[kind]
	f.once.Do(func() {
		var db datatest.DB
		if kind == datatest.Postgres {
			db, f.drop, f.err = datatest.PostgresSchema()
		} else {
			var dir string
			dir, f.err = os.MkdirTemp("", "camsdesk-bench-")
			db = datatest.DB{Name: kind, DSN: filepath.Join(dir, DBFileName)}
			f.drop = func() error { return os.RemoveAll(dir) }
		}
		if f.err != nil {
			return
		}
		if f.store, f.err = Open(db.DSN); f.err != nil {
			return
		}
		start := time.Now()
		f.err = GenerateDemo(context.Background(), f.store, benchDevices, benchUsers, benchPunches, 1)
		fmt.Fprintf(os.Stderr, "%s: generated %d punches for %d users in %v\n",
			kind, benchPunches, benchUsers, time.Since(start).Round(time.Millisecond))
	})
	if f.err != nil {
		b.Fatalf("generate %s bench store: %v", kind, f.err)
	}
	return f.store
}

func BenchmarkApplyPunches(b *testing.B) {
	for _, kind := range []string{datatest.SQLite, datatest.Postgres} {
		b.Run(kind, func(b *testing.B) {
			ctx := context.Background()
			s := openDB(b, datatest.New(b, kind))
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
		})
	}
}

func BenchmarkPunchesFirstPage(b *testing.B) {
	eachBenchStore(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		for b.Loop() {
			rows, err := s.Punches(ctx, PunchFilter{Limit: 100})
			if err != nil || len(rows) != 100 {
				b.Fatalf("Punches = %d rows, %v", len(rows), err)
			}
		}
	})
}

func BenchmarkPunchesFiltered(b *testing.B) {
	eachBenchStore(b, func(b *testing.B, s *Store) {
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
	})
}

func BenchmarkCountPunchesAll(b *testing.B) {
	eachBenchStore(b, func(b *testing.B, s *Store) {
		for b.Loop() {
			if n, err := s.CountPunches(context.Background(), PunchFilter{}); err != nil || n != benchPunches {
				b.Fatalf("CountPunches = %d, %v", n, err)
			}
		}
	})
}

func BenchmarkEachPunchAll(b *testing.B) {
	eachBenchStore(b, func(b *testing.B, s *Store) {
		rows := 0
		for b.Loop() {
			err := s.EachPunch(context.Background(), PunchFilter{}, func(PunchRow) error { rows++; return nil })
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
	})
}

func BenchmarkUsersFirstPage(b *testing.B) {
	eachBenchStore(b, func(b *testing.B, s *Store) {
		for b.Loop() {
			if _, err := s.Users(context.Background(), UserFilter{Limit: 100}); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkUnknownUsers(b *testing.B) {
	eachBenchStore(b, func(b *testing.B, s *Store) {
		for b.Loop() {
			if _, err := s.UnknownUsers(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
