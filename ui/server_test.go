package ui

import (
	"errors"
	"net"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/camsdesk/camsdesk/data"
)

func TestPortInUseOffersAnotherPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, port, _ := net.SplitHostPort(busy.Addr().String())

	svc, q := liveServices(t)
	err = svc.Server.Start(busy.Addr().String())
	if !errors.Is(err, ErrPortInUse) || !strings.Contains(err.Error(), "port "+port+" is already used by another program") {
		t.Fatalf("Start on a taken port: %v", err)
	}
	w := testWindow(t, nil)
	bar := newStatusBar(svc, w)
	w.SetContent(bar.box)
	if !bar.port.Visible() || !strings.Contains(bar.state.Text, "Not receiving") {
		t.Fatalf("status bar: %q, port button shown %v", bar.state.Text, bar.port.Visible())
	}

	// Choosing a free port moves the receiver and saves the address.
	if err := svc.Listen(busy.Addr().String()); !errors.Is(err, ErrPortInUse) {
		t.Fatalf("Listen on the taken port: %v", err)
	}
	if err := svc.Listen("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	bar.refresh()
	q.drain()
	if bar.port.Visible() || !strings.HasPrefix(bar.state.Text, "Receiving on 127.0.0.1:") {
		t.Fatalf("after moving: %q, port button shown %v", bar.state.Text, bar.port.Visible())
	}
	saved, err := data.LoadConfig(svc.ConfigPath)
	if err != nil || saved.Listen != "127.0.0.1:0" {
		t.Fatalf("saved listen %q, %v", saved.Listen, err)
	}
	if err := svc.Listen("no-port"); err == nil || !strings.Contains(err.Error(), "host:port") {
		t.Errorf("Listen(no-port) = %v", err)
	}
}

func TestPauseAndResume(t *testing.T) {
	svc, _ := liveServices(t)
	w := testWindow(t, nil)
	bar := newStatusBar(svc, w)
	w.SetContent(bar.box)
	if err := svc.PauseReceiver(); err != nil {
		t.Fatal(err)
	}
	bar.refresh()
	if !strings.Contains(bar.state.Text, "paused") || !bar.resume.Visible() {
		t.Fatalf("paused: %q, resume shown %v", bar.state.Text, bar.resume.Visible())
	}
	test.Tap(bar.resume)
	if !svc.serverState().Running || bar.resume.Visible() {
		t.Fatalf("resumed: running %v, resume shown %v", svc.serverState().Running, bar.resume.Visible())
	}
}
