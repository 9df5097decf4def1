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

// Generating a store takes minutes: these name stores generated before (8 devices, 5,000 users,
// 500,000 punches, e.g. by the ui or export benchmarks) to read instead.
const (
	envBenchDB = "CAMSDESK_BENCH_DB"    // a SQLite file
	envBenchPG = "CAMSDESK_BENCH_PG_DB" // a PostgreSQL DSN whose search_path holds the tables
)

func benchStore(b *testing.B, kind string) *Store {
	b.Helper()
	f := benchStores[kind]
	if dsn := os.Getenv(map[string]string{datatest.SQLite: envBenchDB, datatest.Postgres: envBenchPG}[kind]); dsn != "" {
		f.once.Do(func() { f.store, f.err = Open(dsn) })
	}
	if kind == datatest.Postgres && f.store == nil && !datatest.PostgresAvailable() {
		b.Skipf("%s is not set", datatest.EnvPostgres)
	}
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

// BenchmarkPunchesFiltered reads the first page of each filter of the punches screen (and, apart, its
// count), as the screen shows it before the count arrives.
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
			{"user_any_device", PunchFilter{UserID: "42"}},
			{"device", PunchFilter{DeviceID: 2}},
			{"day", PunchFilter{FromDate: day, ToDate: day}},
			{"device_week", PunchFilter{DeviceID: 3, FromDate: week, ToDate: day}},
			{"type", PunchFilter{Type: "BreakOut"}},
			{"rare_type", PunchFilter{Type: "MealIn"}},
			{"text", PunchFilter{Text: "okafor"}},
			{"text_common", PunchFilter{Text: "a"}},
			{"text_input_type", PunchFilter{Text: "card"}},
			{"rare_text", PunchFilter{Text: "no such name"}},
			{"rare_text_type", PunchFilter{Text: "meal"}},
			{"unknown_user", PunchFilter{UserID: "90001"}},
		}
		for _, tt := range filters {
			tt.f.Limit = 100
			b.Run(tt.name, func(b *testing.B) {
				cpu := startCPU()
				for b.Loop() {
					if _, err := s.Punches(ctx, tt.f); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(b)
			})
			b.Run(tt.name+"_count", func(b *testing.B) {
				cpu := startCPU()
				for b.Loop() {
					if _, err := s.CountPunches(ctx, tt.f); err != nil {
						b.Fatal(err)
					}
				}
				cpu.report(b)
			})
		}
	})
}

// BenchmarkPunchesPaging reads pages away from the top: the next page from the one before (as
// scrolling does), the last page knowing the count (a jump to the end), and one in the middle.
func BenchmarkPunchesPaging(b *testing.B) {
	eachBenchStore(b, func(b *testing.B, s *Store) {
		ctx := context.Background()
		for _, base := range []PunchFilter{{}, {Type: "BreakOut"}} {
			total, err := s.CountPunches(ctx, base)
			if err != nil {
				b.Fatal(err)
			}
			first, err := s.Punches(ctx, PunchFilter{Type: base.Type, Limit: 100})
			if err != nil || len(first) != 100 {
				b.Fatalf("first page: %d rows, %v", len(first), err)
			}
			name := "all"
			if base.Type != "" {
				name = "type"
			}
			pages := []struct {
				name string
				f    PunchFilter
			}{
				{"next", PunchFilter{After: first[99].Key()}},
				{"last", PunchFilter{Offset: int(total) - 100, Total: total}},
				{"middle", PunchFilter{Offset: int(total) / 2, Total: total}},
			}
			for _, p := range pages {
				p.f.Type, p.f.Limit = base.Type, 100
				b.Run(name+"/"+p.name, func(b *testing.B) {
					cpu := startCPU()
					for b.Loop() {
						if rows, err := s.Punches(ctx, p.f); err != nil || len(rows) != 100 {
							b.Fatalf("Punches = %d rows, %v", len(rows), err)
						}
					}
					cpu.report(b)
				})
			}
		}
	})
}

// cpuClock measures the CPU time of the process (user and system), which on a shared machine says
// what a read costs better than the wall clock. /proc/self/stat counts it in ticks of 10 ms.
type cpuClock struct {
	start float64
	ok    bool
}

func startCPU() cpuClock {
	s, ok := datatest.ProcessCPU()
	return cpuClock{s, ok}
}

func (c cpuClock) report(b *testing.B) {
	if now, ok := datatest.ProcessCPU(); ok && c.ok {
		b.ReportMetric((now-c.start)*1000/float64(b.N), "cpu-ms/op")
	}
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
		cpu := startCPU()
		for b.Loop() {
			err := s.EachPunch(context.Background(), PunchFilter{}, func(PunchRow) error { rows++; return nil })
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
		cpu.report(b)
	})
}

// BenchmarkEachPunchTimeMonth streams the lean rows of the last 30 days, as the timesheet reads them.
func BenchmarkEachPunchTimeMonth(b *testing.B) {
	eachBenchStore(b, func(b *testing.B, s *Store) {
		last, err := s.Punches(context.Background(), PunchFilter{Limit: 1})
		if err != nil || len(last) == 0 {
			b.Fatalf("latest punch: %v", err)
		}
		f := PunchFilter{FromDate: last[0].UTC.AddDate(0, 0, -30).Format(DateLayout), ToDate: last[0].LocalDate}
		rows := 0
		cpu := startCPU()
		for b.Loop() {
			rows = 0
			err := s.EachPunchTime(context.Background(), f, func(PunchTime) error { rows++; return nil })
			if err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(rows), "rows")
		cpu.report(b)
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
