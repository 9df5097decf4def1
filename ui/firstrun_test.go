package ui

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/camsdesk/camsdesk/data"
)

func TestTryWithSimulatedDevice(t *testing.T) {
	svc, q := liveServices(t)
	w := testWindow(t, nil)
	s := newDevicesScreen(svc, w)
	w.SetContent(s.content())
	if !s.firstRun.card.Visible() {
		t.Fatal("no first-run offer without devices")
	}

	test.Tap(s.firstRun.try)
	p, ok := svc.Profile(SimulatedDeviceName)
	if !ok || !p.Simulated || svc.Simulator == nil {
		t.Fatalf("simulated device not added: %+v %v", p, ok)
	}
	if s.firstRun.card.Visible() {
		t.Error("the first-run offer stays once a device exists")
	}
	saved, err := data.LoadConfig(svc.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := saved.Device(SimulatedDeviceName); !ok || got.Endpoint != svc.Simulator.Endpoint {
		t.Fatalf("settings file has %+v", got)
	}
	if !strings.Contains(s.callbackURL.Text, "/callback?stgid="+p.STGID) {
		t.Errorf("callback URL %q", s.callbackURL.Text)
	}

	// The screens fill: users with their templates and two weeks of punches arrive by callback.
	ctx := context.Background()
	waitFor(t, q, "users and punches from the simulated device", func() bool {
		users, _ := svc.Store.Users(ctx, data.UserFilter{})
		n, _ := svc.Store.CountPunches(ctx, data.PunchFilter{})
		return len(users) >= simUsers && n > 0
	})

	// Removing the device stops the simulator.
	endpoint := svc.Simulator.Endpoint
	s.removeDevice(SimulatedDeviceName)
	if svc.Simulator != nil {
		t.Fatal("the simulator still runs after removing its device")
	}
	if _, ok := svc.Profile(SimulatedDeviceName); ok {
		t.Fatal("the simulated device is still configured")
	}
	if resp, err := http.Post(endpoint, "application/json", strings.NewReader("{}")); err == nil {
		resp.Body.Close()
		t.Fatal("the simulated gateway still answers")
	}
	if !s.firstRun.card.Visible() {
		t.Error("no first-run offer after removing the only device")
	}
}
