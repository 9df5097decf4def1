package ui

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/camsdesk/camsdesk/data"
)

// benchServices are Services over a store with the device maximum of 500,000 punches from 5,000 users.
// Generating it takes minutes: CAMSDESK_BENCH_DB names a store generated before with the same sizes.
func benchServices(b *testing.B) (*Services, *queueRunner) {
	b.Helper()
	path := os.Getenv("CAMSDESK_BENCH_DB")
	generate := path == ""
	if generate {
		path = filepath.Join(b.TempDir(), data.DBFileName)
	}
	store, err := data.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	if generate {
		if err := data.GenerateDemo(context.Background(), store, 8, 5000, 500_000, 1); err != nil {
			b.Fatal(err)
		}
	}
	cfg := data.DefaultConfig()
	cfg.DataDir = filepath.Dir(path)
	svc := NewServices(store, nil, cfg, "", nil)
	q := newQueueRunner()
	svc.ui = q
	return svc, q
}

// drainUntil runs the UI queue until cond holds; false after a minute.
func drainUntil(q *queueRunner, cond func() bool) bool {
	deadline := time.After(time.Minute)
	for {
		q.drain()
		if cond() {
			return true
		}
		select {
		case <-q.added:
		case <-time.After(5 * time.Millisecond):
		case <-deadline:
			return false
		}
	}
}

// BenchmarkPunchesScreen measures, over 500,000 punches: opening the screen until its first page shows
// (and until the count shows), each filter until its first page shows, and a jump to the end of the table.
func BenchmarkPunchesScreen(b *testing.B) {
	svc, q := benchServices(b)
	test.NewTempApp(b)
	w := test.NewTempWindow(b, nil)
	w.Resize(fyne.NewSize(1100, 760))

	b.Run("open", func(b *testing.B) {
		var counted time.Duration
		for b.Loop() {
			start := time.Now()
			s := newPunchesScreen(svc, w)
			w.SetContent(s.content())
			if !drainUntil(q, func() bool { return s.pages.ready }) {
				b.Fatal("no first page")
			}
			b.StopTimer()
			drainUntil(q, func() bool { return s.pages.total >= 0 })
			counted += time.Since(start)
			b.StartTimer()
		}
		b.ReportMetric(float64(counted.Milliseconds())/float64(b.N), "ms-to-count")
	})

	s := newPunchesScreen(svc, w)
	w.SetContent(s.content())
	drainUntil(q, func() bool { return s.pages.ready && s.pages.total >= 0 && len(s.devices.devices) > 0 })
	var recent data.PunchRow
	if r, ok := s.pages.row(0); ok {
		recent = r
	}
	day := recent.LocalDate
	filters := []struct {
		name string
		set  func()
	}{
		{"user", func() { s.user.SetText(recent.UserID) }},
		{"device", func() { s.deviceSel.SetSelected(s.deviceSel.Options[len(s.deviceSel.Options)-1]) }},
		{"type", func() { s.typeSel.SetSelected("BreakIn") }},
		{"one day", func() { s.from.SetText(day); s.to.SetText(day) }},
		{"text", func() { s.text.SetText(recent.LastName) }},
		{"user and day", func() { s.user.SetText(recent.UserID); s.from.SetText(day); s.to.SetText(day) }},
		{"rare text", func() { s.text.SetText("no such name") }},
	}
	clearFilters := func() {
		for _, e := range []interface{ SetText(string) }{s.user, s.from, s.to, s.text} {
			e.SetText("")
		}
		s.typeSel.SetSelected(allPunchTypes)
		s.deviceSel.SetSelected(allPunchDevs)
		s.onFilterChanged()
		drainUntil(q, func() bool { return s.pages.ready && s.pages.total >= 0 })
	}
	for _, f := range filters {
		b.Run("filter/"+f.name, func(b *testing.B) {
			var counted time.Duration
			var rows int
			for b.Loop() {
				b.StopTimer()
				clearFilters()
				f.set()
				b.StartTimer()
				start := time.Now()
				s.onFilterChanged() // what the settled typing calls
				if !drainUntil(q, func() bool { return s.pages.ready }) {
					b.Fatal("no first page")
				}
				b.StopTimer()
				drainUntil(q, func() bool { return s.pages.total >= 0 })
				counted += time.Since(start)
				rows = s.pages.total
				b.StartTimer()
			}
			b.ReportMetric(float64(counted.Milliseconds())/float64(b.N), "ms-to-count")
			b.ReportMetric(float64(rows), "rows")
		})
	}

	b.Run("jump to end", func(b *testing.B) {
		clearFilters()
		var pages int
		for b.Loop() {
			b.StopTimer()
			s.reload(true) // nothing held: the jump reads what it shows
			drainUntil(q, func() bool { return s.pages.ready && s.pages.total >= 0 })
			before := s.pages.fetched
			b.StartTimer()
			s.table.ScrollToBottom()
			if !drainUntil(q, func() bool { _, ok := s.pages.row(s.pages.total - 1); return ok }) {
				b.Fatal("the last row never came")
			}
			pages = s.pages.fetched - before
		}
		b.ReportMetric(float64(pages), "pages-read")
	})
}

// BenchmarkTimesheetScreen builds the last 30 days for every user, as the Build button does.
func BenchmarkTimesheetScreen(b *testing.B) {
	svc, q := benchServices(b)
	test.NewTempApp(b)
	w := test.NewTempWindow(b, nil)
	s := newTimesheetScreen(svc, w)
	w.SetContent(s.content())
	drainUntil(q, func() bool { return !s.job.running })
	now := time.Now()
	s.from.SetText(now.AddDate(0, 0, -30).Format(data.DateLayout))
	s.to.SetText(now.Format(data.DateLayout))
	for b.Loop() {
		s.onBuild()
		if !drainUntil(q, func() bool { return !s.job.running }) || s.report == nil {
			b.Fatal("no report")
		}
	}
	b.ReportMetric(float64(len(s.report.Days)), "days")
	b.ReportMetric(float64(s.report.Punches), "punches")
}
