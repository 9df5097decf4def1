package ui

import (
	"strings"
	"testing"

	"github.com/camsdesk/camsdesk/data"
)

func TestStatusWhenAnotherProgramReceives(t *testing.T) {
	svc, _ := testServices(t)
	svc.setRemote(&data.ReceiverInfo{Kind: data.ReceiverDesktop, Host: "pc-a", PID: 1})
	w := testWindow(t, nil)
	bar := newStatusBar(svc, w)
	screen := newStatusScreen(svc, w, bar)
	w.SetContent(screen.box)
	screen.refresh()

	if got := screen.state.Text; got != "Receiving on pc-a (another PC)" {
		t.Errorf("state = %q", got)
	}
	if got := screen.counts.Text; strings.Contains(got, "callback URL is") || !strings.Contains(got, "pc-a (another PC) receives the callbacks") {
		t.Errorf("counts = %q: want who receives, not this PC's URL", got)
	}
	if got := screen.toggle.Text; got != "Receive on this PC" {
		t.Errorf("toggle = %q, want Receive on this PC", got)
	}
}
