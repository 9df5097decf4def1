package device_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

var simZone = time.FixedZone("GMT +0530", 5*3600+1800)

// simClient starts a simulated gateway and returns it with a client for its device.
func simClient(t *testing.T, cfg simulator.Config) (*simulator.Gateway, *device.Client) {
	t.Helper()
	cfg.Zone = simZone
	cfg.STGID = "SIM-" + t.Name()
	g := simulator.New(cfg)
	srv := httptest.NewServer(g.Handler())
	t.Cleanup(srv.Close)
	t.Cleanup(g.Close)
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := g.Config()
	p := device.Profile{Name: "Simulated", Endpoint: srv.URL + simulator.EndpointPath, STGID: c.STGID,
		AuthToken: c.AuthToken, SecurityKey: c.SecurityKey, TimeZone: "+05:30", Simulated: true}
	client, err := device.NewClient(p, device.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err != nil {
		t.Fatal(err)
	}
	return g, client
}

// TestSimulatorAcceptsEveryOperation sends each operation's samples to a fresh simulated device (holding the
// sample user where the operation needs one) and expects status 0.
func TestSimulatorAcceptsEveryOperation(t *testing.T) {
	add, _ := device.Lookup("AddUserWithoutTemplate")
	for _, op := range device.Catalog() {
		t.Run(op.Name, func(t *testing.T) {
			_, c := simClient(t, simulator.Config{ProcessingTime: -1})
			ctx := context.Background()
			switch op.Name {
			case "DeleteUser", "EnrollFingerPrint", "UpdateAccessTime", "EnableUser", "DisableUser":
				if _, err := c.Send(ctx, add, add.Samples()); err != nil {
					t.Fatalf("adding the sample user: %v", err)
				}
			}
			res, err := c.Send(ctx, op, op.Samples())
			if err != nil {
				t.Fatalf("%v\nsent %s\nanswer %s", err, res.Request, res.RawResponse)
			}
		})
	}
}

func TestSimulatorEncrypted(t *testing.T) {
	_, c := simClient(t, simulator.Config{ProcessingTime: -1, SecurityKey: "0123456789abcdef0123456789ABCDEF"})
	info, _, err := c.LoadDeviceInformation(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.SerialNumber == "" && info.DeviceModel == "" {
		t.Errorf("information %+v", info)
	}
}

// TestSimulatorNoBusyAnswers: the simulator answers 37 to overlapping calls; the client never overlaps them.
func TestSimulatorNoBusyAnswers(t *testing.T) {
	g, c := simClient(t, simulator.Config{ProcessingTime: 20 * time.Millisecond})
	op, _ := device.Lookup("LoadDeviceInformation")
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			other := *c // a second client of the same device shares its turn
			res, err := other.Send(context.Background(), op, nil)
			if err != nil {
				t.Error(err)
			} else if res.Attempts != 1 {
				t.Errorf("%d tries", res.Attempts)
			}
		}()
	}
	wg.Wait()
	if s := g.Stats(); s.Busy != 0 || s.Calls != 4 {
		t.Errorf("%d calls, %d answered busy", s.Calls, s.Busy)
	}
}

func TestSimulatorLoadLog(t *testing.T) {
	g, c := simClient(t, simulator.Config{ProcessingTime: -1, Seed: 3})
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, simZone)
	to := time.Date(2025, 3, 11, 23, 59, 59, 0, simZone) // 70 days: 3 windows
	if err := g.GeneratePunches(3000, from, to); err != nil {
		t.Fatal(err)
	}
	type key struct{ user, at string }
	seen := map[key]bool{}
	sum, err := c.LoadLog(context.Background(), from, to, nil, func(rows []device.PunchLog) error {
		for _, r := range rows {
			k := key{string(r.UserID), string(r.LogTime)}
			if seen[k] {
				t.Errorf("punch %v read twice", k)
			}
			seen[k] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Rows != 3000 || len(seen) != 3000 || sum.Windows != 3 || sum.OffsetIgnored {
		t.Errorf("summary %+v, %d distinct punches", sum, len(seen))
	}
}
