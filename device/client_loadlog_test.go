package device

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoadLogBatched: every row reaches store once, in batches of at least the size asked for but the last,
// progress hears of every page and window as LoadLog's does, and every request goes over one kept-alive
// connection.
func TestLoadLogBatched(t *testing.T) {
	tests := []struct {
		name      string
		gateway   pageConfig
		batchRows int
		wantBatch int // the size of every batch but the last
	}{
		{"pages fill batches", pageConfig{pageSize: 7, withTotal: true}, 21, 21},
		{"batch not a whole number of pages", pageConfig{pageSize: 7}, 10, 14},
		{"one page a batch", pageConfig{pageSize: 7}, 1, 7},
		{"default size", pageConfig{pageSize: 50}, 0, -1}, // 227 rows: one batch
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			punches, from, to := testPunches(t)
			g := &pagedGateway{pageConfig: tt.gateway, punches: punches}
			srv := httptest.NewUnstartedServer(g)
			var conns atomic.Int32
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					conns.Add(1)
				}
			}
			srv.Start()
			defer srv.Close()
			c, _, _ := testClient(t, testProfile(t, srv.URL))

			seen := map[string]bool{}
			var sizes []int
			pages, windows := 0, 0
			progress := func(p LoadProgress) {
				if p.Done {
					windows++
				} else {
					pages++
				}
			}
			sum, err := c.LoadLogBatched(context.Background(), from, to, tt.batchRows, progress, func(rows []PunchLog) error {
				sizes = append(sizes, len(rows))
				for _, r := range rows {
					if seen[string(r.LogTime)] {
						return fmt.Errorf("punch %s twice", r.LogTime)
					}
					seen[string(r.LogTime)] = true
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(seen) != len(punches) || sum.Rows != len(punches) || sum.Stored != len(punches) || sum.Windows != 3 ||
				pages != sum.Pages || windows != 3 || sum.Duration <= 0 {
				t.Errorf("stored %d of %d punches; summary %+v; %d page and %d window reports", len(seen), len(punches), sum, pages, windows)
			}
			if n := conns.Load(); n != 1 {
				t.Errorf("%d connections for %d requests; want one kept alive", n, len(g.filters))
			}
			for i, n := range sizes {
				if last := i == len(sizes)-1; (!last && n != tt.wantBatch) || n == 0 || (last && tt.wantBatch > 0 && n > tt.wantBatch) {
					t.Errorf("batch sizes %v, want %d each but the last", sizes, tt.wantBatch)
					break
				}
			}
		})
	}
}

// TestLoadLogBatchedReadsWhileStoring: while store holds its first batch, reading goes on up to the queue's
// bound and no further, then everything is stored once store is free.
func TestLoadLogBatchedReadsWhileStoring(t *testing.T) {
	punches, from, to := testPunches(t)
	g := &pagedGateway{pageConfig: pageConfig{pageSize: 7, withTotal: true}, punches: punches}
	srv := httptest.NewServer(g)
	defer srv.Close()
	c, _, _ := testClient(t, testProfile(t, srv.URL))
	requests := func() int { g.mu.Lock(); defer g.mu.Unlock(); return len(g.filters) }

	const batch = 21 // three pages
	// One batch in store, loadQueue waiting, and one being gathered when the reader blocks.
	bound := (loadQueue + 2) * batch / 7
	release := make(chan struct{})
	var once sync.Once
	stored := 0
	done := make(chan error, 1)
	go func() {
		sum, err := c.LoadLogBatched(context.Background(), from, to, batch, nil, func(rows []PunchLog) error {
			once.Do(func() { <-release })
			stored += len(rows)
			return nil
		})
		if err == nil && (sum.Stored != len(punches) || stored != len(punches)) {
			err = fmt.Errorf("stored %d, summary %+v", stored, sum)
		}
		done <- err
	}()

	deadline := time.Now().Add(10 * time.Second)
	for requests() < bound && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // room for a read past the bound, were there one
	if n := requests(); n != bound {
		t.Errorf("%d pages read while store held the first batch; want %d", n, bound)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestLoadLogBatchedStops(t *testing.T) {
	punches, from, to := testPunches(t)
	storeFull := errors.New("disk full")
	tests := []struct {
		name       string
		failOnCall int
		store      func(calls int) error
		cancelAt   int // cancel when progress reports this page
		want       Outcome
		wantErr    error
		check      func(t *testing.T, sum LoadSummary, requests int)
	}{
		{name: "store error", store: func(calls int) error {
			if calls == 2 {
				return storeFull
			}
			return nil
		}, wantErr: storeFull, check: func(t *testing.T, sum LoadSummary, requests int) {
			if sum.Stored != 21 || requests >= 33 {
				t.Errorf("summary %+v after %d requests", sum, requests)
			}
		}},
		{name: "device error stores what was read", failOnCall: 5, want: OutcomeDeviceError,
			check: func(t *testing.T, sum LoadSummary, _ int) {
				if sum.Rows != 28 || sum.Stored != 28 {
					t.Errorf("summary %+v", sum)
				}
			}},
		{name: "cancelled stores whole batches", cancelAt: 8, want: OutcomeCancelled,
			check: func(t *testing.T, sum LoadSummary, requests int) {
				if sum.Stored%21 != 0 || sum.Stored > sum.Rows || sum.Rows > 8*7 || requests > 9 {
					t.Errorf("summary %+v after %d requests", sum, requests)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &pagedGateway{pageConfig: pageConfig{pageSize: 7, failOnCall: tt.failOnCall}, punches: punches}
			srv := httptest.NewServer(g)
			defer srv.Close()
			c, _, _ := testClient(t, testProfile(t, srv.URL))
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			progress := func(p LoadProgress) {
				if !p.Done && p.Rows == tt.cancelAt*7 {
					cancel()
				}
			}
			calls := 0
			sum, err := c.LoadLogBatched(ctx, from, to, 21, progress, func([]PunchLog) error {
				calls++
				if tt.store != nil {
					return tt.store(calls)
				}
				return nil
			})
			if tt.want != "" {
				callError(t, err, tt.want)
			} else if !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			g.mu.Lock()
			requests := len(g.filters)
			g.mu.Unlock()
			tt.check(t, sum, requests)
		})
	}
}

// TestLoadLogConverted: convert runs on the reading side and may drop rows; batches and Stored count what it
// made.
func TestLoadLogConverted(t *testing.T) {
	punches, from, to := testPunches(t)
	g := &pagedGateway{pageConfig: pageConfig{pageSize: 7}, punches: punches}
	srv := httptest.NewServer(g)
	defer srv.Close()
	c, _, _ := testClient(t, testProfile(t, srv.URL))

	dropped := 0
	keep := func(dst []string, rows []PunchLog) []string {
		for _, r := range rows {
			if r.UserID == "0" { // the first row of every page
				dropped++
				continue
			}
			dst = append(dst, string(r.LogTime))
		}
		return dst
	}
	var sizes []int
	stored := 0
	sum, err := LoadLogConverted(context.Background(), c, from, to, 12, nil, keep, func(items []string) error {
		sizes = append(sizes, len(items))
		stored += len(items)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != len(punches) || dropped != sum.Pages || sum.Stored != len(punches)-dropped || stored != sum.Stored {
		t.Errorf("summary %+v, %d dropped, %d stored", sum, dropped, stored)
	}
	for i, n := range sizes[:len(sizes)-1] {
		if n != 12 { // two pages of six kept rows
			t.Errorf("batch %d of %v holds %d items, want 12", i, sizes, n)
		}
	}
}
