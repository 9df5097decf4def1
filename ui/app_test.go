package ui

import (
	"testing"

	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
)

func TestAppNavigation(t *testing.T) {
	svc, _ := liveServices(t)
	a := NewApp(test.NewTempApp(t), svc, Options{})
	defer a.win.Close()
	for i, it := range a.items {
		a.nav.Select(i)
		if a.current != i || it.screen == nil || a.stack.Objects[0].(*container.Scroll).Content != it.screen.content() {
			t.Fatalf("screen %q not shown", it.title)
		}
	}
	if !a.selectTitle("Operations") || a.items[a.current].title != "Operations" {
		t.Fatal("selectTitle(Operations) did not show it")
	}
	// No screen may force the window past its first size: wide screens scroll.
	if min := a.win.Content().MinSize(); min.Width > windowSize.Width || min.Height > windowSize.Height {
		t.Errorf("the window needs %v, more than its %v", min, windowSize)
	}
}

func TestCloseWithoutTrayAsksToQuit(t *testing.T) {
	svc, _ := testServices(t)
	a := NewApp(test.NewTempApp(t), svc, Options{TrayMenu: false, TrayHost: false})
	defer a.win.Close()
	a.win.Show()
	a.onClose()
	c := a.win.Canvas()
	if !shownText(c, "no system tray") {
		t.Fatal("closing without a tray does not say that CamsDesk quits")
	}
	if top := c.Overlays().Top(); top == nil {
		t.Fatal("no dialog")
	}
}
