package ui

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// queueRunner collects what background goroutines hand to the UI; the test runs it on its own goroutine
// with drain, as the Fyne event loop would.
type queueRunner struct {
	mu    sync.Mutex
	queue []func()
	added chan struct{}
}

func newQueueRunner() *queueRunner { return &queueRunner{added: make(chan struct{}, 1)} }

func (q *queueRunner) Do(fn func()) {
	q.mu.Lock()
	q.queue = append(q.queue, fn)
	q.mu.Unlock()
	select {
	case q.added <- struct{}{}:
	default:
	}
}

// drain runs every queued function, and the ones they queue, on the calling goroutine.
func (q *queueRunner) drain() {
	for {
		q.mu.Lock()
		fns := q.queue
		q.queue = nil
		q.mu.Unlock()
		if len(fns) == 0 {
			return
		}
		for _, fn := range fns {
			fn()
		}
	}
}

// testServices are Services over a fresh data folder with no receiver running, and a queue for the UI thread.
func testServices(t *testing.T) (*Services, *queueRunner) {
	t.Helper()
	dir := t.TempDir()
	cfg := data.DefaultConfig()
	cfg.DataDir = dir
	cfg.Listen = "127.0.0.1:0"
	svc := NewServices(nil, nil, cfg, dir+"/config.json", nil)
	q := newQueueRunner()
	svc.ui = q
	t.Cleanup(func() { svc.Close(context.Background()) })
	return svc, q
}

// testWindow is a window of a fresh test app showing content.
func testWindow(t *testing.T, content fyne.CanvasObject) fyne.Window {
	t.Helper()
	test.NewTempApp(t)
	w := test.NewTempWindow(t, content)
	w.Resize(fyne.NewSize(1100, 760))
	return w
}

// liveServices are Services over a real store and receiver in a temp folder, the receiver serving on a
// loopback port as the app does.
func liveServices(t *testing.T) (*Services, *queueRunner) {
	t.Helper()
	dir := t.TempDir()
	store, err := data.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	cfg := data.DefaultConfig()
	cfg.DataDir = dir
	cfg.Listen = "127.0.0.1:0"
	var svc *Services
	rcv, err := receiver.New(receiver.Options{Store: store, DataDir: dir,
		Profiles: func() []device.Profile { return svc.Profiles() }})
	if err != nil {
		t.Fatal(err)
	}
	svc = NewServices(store, rcv, cfg, filepath.Join(dir, "config.json"), nil)
	q := newQueueRunner()
	svc.ui = q
	if err := rcv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := svc.Close(ctx); err != nil {
			t.Error(err)
		}
		if err := rcv.Close(ctx); err != nil {
			t.Error(err)
		}
	})
	return svc, q
}

// waitFor drains the UI queue until cond holds, failing after a while.
func waitFor(t *testing.T, q *queueRunner, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		q.drain()
		if cond() {
			return
		}
		select {
		case <-q.added:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// shownText reports whether some text on the canvas's top overlay (a dialog) or, without one, its content
// contains sub.
func shownText(c fyne.Canvas, sub string) bool {
	return shown(c, func(text string) bool { return strings.Contains(text, sub) })
}

// shownExact reports whether a text on the canvas (or its top overlay) is exactly s.
func shownExact(c fyne.Canvas, s string) bool {
	return shown(c, func(text string) bool { return text == s })
}

func shown(c fyne.Canvas, match func(string) bool) bool {
	root := c.Content()
	if top := c.Overlays().Top(); top != nil {
		root = top
	}
	for _, o := range test.LaidOutObjects(root) {
		switch o := o.(type) {
		case *widget.Label:
			if match(o.Text) {
				return true
			}
		case *canvas.Text:
			if match(o.Text) {
				return true
			}
		}
	}
	return false
}
