package receiver

import (
	"context"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

// TestLoadLogImport reads a simulated device's punches into a real store in commits of several pages,
// records every exchange, and stores nothing twice when run again.
func TestLoadLogImport(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		zone := time.FixedZone("GMT +0530", 5*3600+1800)
		g := simulator.New(simulator.Config{Zone: zone, ProcessingTime: -1, PageSize: 100, Seed: 3})
		srv := httptest.NewServer(g.Handler())
		t.Cleanup(srv.Close)
		t.Cleanup(g.Close)
		from := time.Date(2025, 1, 1, 0, 0, 0, 0, zone)
		to := from.AddDate(0, 0, 45).Add(-time.Second) // two windows of at most 30 days
		const rows = 2500
		if err := g.GeneratePunches(rows, from, to); err != nil {
			t.Fatal(err)
		}
		store, err := data.Open(db.DSN)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		c := g.Config()
		dev, err := store.EnsureDevice(context.Background(), c.STGID, "Main Gate")
		if err != nil {
			t.Fatal(err)
		}
		var recorded atomic.Int64
		client, err := device.NewClient(device.Profile{Name: "Main Gate", Endpoint: srv.URL + simulator.EndpointPath,
			STGID: c.STGID, AuthToken: c.AuthToken, TimeZone: "+05:30"}, device.WithRecorder(func(device.Exchange) { recorded.Add(1) }))
		if err != nil {
			t.Fatal(err)
		}

		var commits []int
		imp := LoadLogImport{Store: store, DeviceID: dev.ID, Zone: zone, Batch: 1000,
			Stored: func(s data.Summary) { commits = append(commits, s.NewPunches) }}
		res, err := imp.Run(context.Background(), client, from, to, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != rows || res.New != rows || res.Duplicate != 0 || res.Skipped != 0 || res.Windows != 2 {
			t.Errorf("first run: %+v", res)
		}
		if sum := sumOf(commits); sum != rows || len(commits) < 3 || len(commits) > 4 {
			t.Errorf("commits %v: want about %d of up to 1,000, %d in all", commits, rows/1000+1, rows)
		}
		if got := recorded.Load(); got != int64(res.Pages) {
			t.Errorf("%d exchanges recorded, want one per page (%d)", got, res.Pages)
		}
		if client.OnExchange == nil {
			t.Error("the client's recorder was not given back")
		}

		again, err := imp.Run(context.Background(), client, from, to, nil)
		if err != nil || again.New != 0 || again.Duplicate != rows {
			t.Errorf("second run: %+v, %v", again, err)
		}
		if n, err := store.CountPunches(context.Background(), data.PunchFilter{}); err != nil || n != rows {
			t.Errorf("store holds %d punches (%v), want %d", n, err, rows)
		}
	})
}

func sumOf(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
