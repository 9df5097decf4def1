package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/camsdesk/camsdesk/device"
)

// operationsWithSimulator is the Operations screen sending to a running simulated device.
func operationsWithSimulator(t *testing.T) (*operationsScreen, *Services, *queueRunner) {
	t.Helper()
	svc, q := liveServices(t)
	if err := svc.startSimulation(SimulatedDeviceName); err != nil {
		t.Fatal(err)
	}
	svc.Simulator.Gateway.StopPunches()
	w := testWindow(t, nil)
	s := newOperationsScreen(svc, w)
	w.SetContent(s.content())
	return s, svc, q
}

func TestDestructiveOperationsAskFirst(t *testing.T) {
	s, svc, q := operationsWithSimulator(t)
	c := s.win.Canvas()
	// DeleteUser first, while the simulated device still has user 3.
	for _, name := range []string{"DeleteUser", "DeleteAttendancePhoto", "DeleteLogAll", "DeleteAllUser"} {
		t.Run(name, func(t *testing.T) {
			tab, ed, ok := s.selectOp(name)
			if !ok {
				t.Fatalf("%s not in the catalogue", name)
			}
			if _, ok := ed.fields["UserID"]; ok {
				ed.setParams(device.Params{"UserID": "3"})
			}
			calls := svc.Simulator.Gateway.Stats().Calls

			test.Tap(tab.send)
			if s.confirm == nil {
				t.Fatal("no confirmation before a destructive operation")
			}
			if !shownText(c, `"`+SimulatedDeviceName+`"`) {
				t.Error("the confirmation does not name the device")
			}
			s.confirm.Hide() // Cancel
			q.drain()
			if got := svc.Simulator.Gateway.Stats().Calls; got != calls {
				t.Fatalf("cancelled, yet %d calls reached the device", got-calls)
			}

			test.Tap(tab.send)
			s.confirm.Confirm()
			waitFor(t, q, "the answer", func() bool { return !tab.sending })
			if got := svc.Simulator.Gateway.Stats().Calls; got != calls+1 {
				t.Fatalf("confirmed: %d calls reached the device, want 1", got-calls)
			}
			if !strings.Contains(tab.answer.status.Text, "status 0: done") {
				t.Errorf("answer: %q", tab.answer.status.Text)
			}
		})
	}
}

func TestSafeOperationSendsWithoutAsking(t *testing.T) {
	s, _, q := operationsWithSimulator(t)
	tab, _, _ := s.selectOp("LoadDeviceInformation")
	test.Tap(tab.send)
	if s.confirm != nil {
		t.Fatal("LoadDeviceInformation asked for confirmation")
	}
	if !tab.send.Disabled() {
		t.Error("Send stays enabled while sending")
	}
	waitFor(t, q, "the answer", func() bool { return !tab.sending })
	if !strings.Contains(tab.answer.status.Text, "✓ status 0: done") {
		t.Fatalf("answer: %q", tab.answer.status.Text)
	}
	if grid := tab.answer.grid.Text(); !strings.Contains(grid, `"DeviceInformation"`) {
		t.Errorf("the answer's JSON is not shown:\n%s", grid)
	}
}

func TestDestructiveJSONInAnotherEditorAsks(t *testing.T) {
	s, _, _ := operationsWithSimulator(t)
	tab, ed, _ := s.selectOp("LoadLog")
	ed.setJSON(`{"Delete": {"Log": "All"}}`)
	if !strings.Contains(ed.rawNote.Text, "Delete all attendance logs") {
		t.Errorf("the editor does not say what the JSON is: %q", ed.rawNote.Text)
	}
	test.Tap(tab.send)
	if s.confirm == nil {
		t.Fatal("a pasted DeleteLogAll body was sent without confirmation")
	}
	s.confirm.Hide()
}

func TestSendShowsStatusExplanation(t *testing.T) {
	s, _, q := operationsWithSimulator(t)
	tab, ed, _ := s.selectOp("DeleteUser")
	ed.setParams(device.Params{"UserID": "no-such-user"})
	test.Tap(tab.send)
	s.confirm.Confirm()
	waitFor(t, q, "the answer", func() bool { return !tab.sending })
	st := device.LookupStatus(9)
	if !strings.Contains(tab.answer.status.Text, st.Meaning) || tab.answer.hint.Text != st.Hint {
		t.Fatalf("answer %q / %q; want the meaning and hint of status 9", tab.answer.status.Text, tab.answer.hint.Text)
	}

	// The history lists the call; opening it puts the request back in its editor.
	s.onHistory()
	waitFor(t, q, "the history", func() bool { return len(s.history.rows) > 0 })
	if s.history.rows[0].Operation != "DeleteUser" {
		t.Fatalf("newest history row is %q", s.history.rows[0].Operation)
	}
	ed.setParams(device.Params{"UserID": "42"})
	s.reopen(s.history.rows[0])
	if got := ed.fields["UserID"].value(); got != "no-such-user" {
		t.Errorf("reopened request shows user %q", got)
	}
	if !strings.Contains(tab.answer.status.Text, st.Meaning) {
		t.Errorf("reopened answer: %q", tab.answer.status.Text)
	}
}

func TestValidationBlocksSend(t *testing.T) {
	svc, _ := testServices(t)
	w := testWindow(t, nil)
	s := newOperationsScreen(svc, w)
	w.SetContent(s.content())
	tab, ed, _ := s.selectOp("AddUserWithCardAndPassword")

	card := ed.fields["Card"].(*textField)
	card.entry.SetText("")
	test.Type(card.entry, "12ab")
	if err := card.entry.Validate(); err != nil {
		t.Fatalf("the entry has its own validator: %v", err)
	}
	if !shownExact(w.Canvas(), "digits only") {
		t.Error("the card field does not say \"digits only\"")
	}
	if !tab.send.Disabled() {
		t.Error("Send enabled with a bad card number")
	}
	card.entry.SetText("")
	test.Type(card.entry, "778899")
	if tab.send.Disabled() || shownExact(w.Canvas(), "digits only") {
		t.Errorf("the problem stays after correcting it: send disabled %v, formErr %v, rawErr %v", tab.send.Disabled(), ed.formErr, ed.rawErr)
	}

	ed.raw.SetText("")
	test.Type(ed.raw, `{"Add": {"User": `)
	if !strings.Contains(ed.rawNote.Text, "ends too early") || !tab.send.Disabled() {
		t.Errorf("broken JSON: note %q, send disabled %v", ed.rawNote.Text, tab.send.Disabled())
	}
}

func TestLongAnswerScrolls(t *testing.T) {
	s, _, q := operationsWithSimulator(t)
	tab, _, _ := s.selectOp("LoadLog")
	before := s.content().MinSize()
	test.Tap(tab.send)
	waitFor(t, q, "the answer", func() bool { return !tab.sending })
	if rows := strings.Count(tab.answer.grid.Text(), "\n"); rows < 100 {
		t.Fatalf("the LoadLog answer has only %d lines; the test needs a long one", rows)
	}
	if after := s.content().MinSize(); after.Height > before.Height+50 {
		t.Fatalf("a long answer grows the screen from %v to %v instead of scrolling", before, after)
	}
}
