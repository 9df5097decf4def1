package ui

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

// simulatedCallbackLog shows the callback log of live services with the simulated device started, its
// own punches stopped so that the test sends each one.
func simulatedCallbackLog(t *testing.T) (*Services, *queueRunner, *simulator.Gateway, *callbackLogScreen) {
	t.Helper()
	svc, q := liveServices(t)
	if err := svc.startSimulation(SimulatedDeviceName); err != nil {
		t.Fatal(err)
	}
	gw := svc.Simulator.Gateway
	gw.StopPunches()
	w := testWindow(t, nil)
	s := newCallbackLogScreen(svc, w)
	w.SetContent(s.content())
	return svc, q, gw, s
}

func TestCallbackLogReceivesLiveEvents(t *testing.T) {
	_, q, gw, s := simulatedCallbackLog(t)
	q.drain()

	if err := gw.SendPunch(context.Background(), "3"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, q, "the punch in the log", func() bool { return len(s.visible) > 0 })
	r := s.rows[s.visible[0]]
	if r.kinds != device.KindPunchLog || r.user != "3" || r.result != "accepted" || r.device != SimulatedDeviceName {
		t.Fatalf("row = %+v", r)
	}
	if got := s.cell(r, 1); got != SimulatedDeviceName {
		t.Errorf("device cell %q", got)
	}

	// Selecting it shows its JSON without the token.
	s.table.Select(widget.TableCellID{Row: 0, Col: 0})
	waitFor(t, q, "the callback's JSON", func() bool { return strings.Contains(s.detail.Text(), `"PunchLog"`) })
	if strings.Contains(s.detail.Text(), gw.Config().CallbackToken) {
		t.Error("the callback's JSON shows the auth token")
	}

	// Filters: another kind hides it, its own kind and device show it.
	s.kindSel.SetSelected(device.KindUserDeleted)
	if len(s.visible) != 0 {
		t.Errorf("kind filter UserDeleted shows %d rows", len(s.visible))
	}
	s.kindSel.SetSelected(device.KindPunchLog)
	s.deviceSel.SetSelected(unknownDevice)
	if len(s.visible) != 0 {
		t.Errorf("device filter %q shows %d rows", unknownDevice, len(s.visible))
	}
	s.deviceSel.SetSelected(SimulatedDeviceName)
	if len(s.visible) != 1 {
		t.Errorf("PunchLog from %s: %d rows, want 1", SimulatedDeviceName, len(s.visible))
	}

	// Paused, new callbacks are held and counted, then shown on resume.
	s.pause.SetChecked(true)
	if err := gw.SendUserDeleted(context.Background(), "4"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, q, "the held callback", func() bool { return len(s.held) == 1 })
	if len(s.rows) != 1 || !strings.Contains(s.count.Text, "1 new callbacks held") {
		t.Errorf("paused: %d rows, count %q", len(s.rows), s.count.Text)
	}
	s.pause.SetChecked(false)
	s.kindSel.SetSelected(allKinds)
	if len(s.visible) != 2 || s.rows[0].kinds != device.KindUserDeleted {
		t.Errorf("after resume: %d rows, newest %+v", len(s.visible), s.rows[0])
	}
}

func TestCallbackLogLoadsStoredCallbacks(t *testing.T) {
	svc, q := liveServices(t)
	if err := svc.startSimulation(SimulatedDeviceName); err != nil {
		t.Fatal(err)
	}
	gw := svc.Simulator.Gateway
	gw.StopPunches()
	for _, u := range []string{"1", "2"} {
		if err := gw.SendPunch(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	q.drain()
	// A log opened later starts with what is stored, newest first.
	w := testWindow(t, nil)
	s := newCallbackLogScreen(svc, w)
	w.SetContent(s.content())
	waitFor(t, q, "the stored callbacks", func() bool { return len(s.rows) >= 2 })
	if s.rows[0].seq < s.rows[1].seq {
		t.Errorf("not newest first: %d then %d", s.rows[0].seq, s.rows[1].seq)
	}
}

func TestCallbackLogSelectionFollowsItsCallback(t *testing.T) {
	_, q, gw, s := simulatedCallbackLog(t)
	if err := gw.SendPunch(context.Background(), "3"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, q, "the first punch", func() bool { return len(s.visible) == 1 })
	s.table.Select(widget.TableCellID{Row: 0, Col: 2})
	chosen := s.chosen
	waitFor(t, q, "its JSON", func() bool { return strings.Contains(s.detail.Text(), `"UserId": "3"`) })

	if err := gw.SendPunch(context.Background(), "5"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, q, "the second punch", func() bool { return len(s.visible) >= 2 })
	if s.chosen != chosen || s.rows[s.visible[1]].seq != chosen || s.selRow != 1 {
		t.Fatalf("chosen %d, row 1 holds %d, selected row %d; want the selection on row 1", s.chosen, s.rows[s.visible[1]].seq, s.selRow)
	}
	if !strings.Contains(s.detail.Text(), `"UserId": "3"`) {
		t.Error("the JSON below changed to another callback")
	}
}
