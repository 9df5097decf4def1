package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// fillTimeout bounds the demo's first fill (users and two weeks of attendance).
const fillTimeout = 2 * time.Minute

// firstRun offers, while no device is configured, to try CamsDesk with the embedded simulator: it starts the
// simulated gateway, adds it as a device pointed at the embedded receiver, and has it send its users,
// two weeks of attendance and a live punch every few seconds.
type firstRun struct {
	svc    *Services
	win    fyne.Window
	onDone func()
	try    *widget.Button
	note   *widget.Label
	busy   *widget.ProgressBarInfinite
	card   *widget.Card
}

func newFirstRun(svc *Services, win fyne.Window, onDone func()) *firstRun {
	f := &firstRun{svc: svc, win: win, onDone: onDone, note: widget.NewLabel(""), busy: widget.NewProgressBarInfinite()}
	f.try = widget.NewButtonWithIcon("Try with a simulated device", theme.MediaPlayIcon(), f.onTry)
	f.try.Importance = widget.HighImportance
	f.note.Wrapping = fyne.TextWrapWord
	f.busy.Hide()
	f.busy.Stop()
	intro := widget.NewLabel("No device is set up yet. Add yours below with the values from API Monitor, or try " +
		"CamsDesk first with a simulated device: it runs on this PC, sends punches to the built-in receiver and " +
		"answers every operation, so every screen fills with live data. Remove it on this screen when you are done.")
	intro.Wrapping = fyne.TextWrapWord
	f.card = widget.NewCard("Welcome to CamsDesk", "", container.NewVBox(intro,
		container.NewHBox(f.try, container.NewGridWrap(fyne.NewSize(120, 8), f.busy)), f.note))
	return f
}

func (f *firstRun) content() fyne.CanvasObject { return f.card }

func (f *firstRun) setVisible(on bool) {
	if on {
		f.card.Show()
	} else {
		f.card.Hide()
	}
}

// onTry starts the simulated device and fills the screens from it.
func (f *firstRun) onTry() {
	f.note.SetText("")
	if err := f.svc.startSimulation(SimulatedDeviceName); err != nil {
		f.note.Importance = widget.DangerImportance
		f.note.SetText("The simulated device could not start: " + err.Error())
		f.note.Refresh()
		return
	}
	sim := f.svc.Simulator
	p, _ := f.svc.Profile(SimulatedDeviceName)
	client, err := f.svc.Client(p)
	if err != nil {
		f.note.SetText("The simulated device started but cannot be called: " + err.Error())
		return
	}
	f.try.Disable()
	f.busy.Show()
	f.busy.Start()
	f.note.Importance = widget.MediumImportance
	f.note.SetText("The simulated device is sending its users and two weeks of attendance…")
	f.onDone()
	background(f.svc, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), fillTimeout)
		defer cancel()
		return fillFromSimulation(ctx, sim, client)
	}, func(err error) {
		f.busy.Stop()
		f.busy.Hide()
		f.try.Enable()
		if err != nil {
			f.note.SetText("The simulated device runs, but sending its history failed: " + err.Error())
			return
		}
		f.note.SetText("")
	})
}
