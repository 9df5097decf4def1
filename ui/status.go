package ui

import (
	"context"
	"errors"
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/receiver"
)

// receiverView is the receiver's state in words, shared by the status bar, the Status screen and the tray.
type receiverView struct {
	state   string // one line: "Receiving on :5000", "Paused", "Not receiving: port 5000 is …"
	level   widget.Importance
	today   string
	last    string
	lastErr string
	running bool
	remote  bool // another program receives for the shared database
	portErr bool // the port is taken: offer another
}

// describeReceiver puts the server state and the receiver's counters into words.
func describeReceiver(st ServerState, stats receiver.Stats, now time.Time) receiverView {
	v := receiverView{running: st.Running, remote: st.Remote != ""}
	switch {
	case st.Running:
		v.state, v.level = "Receiving on "+displayAddr(st.Bound, st.Addr), widget.SuccessImportance
	case st.Err != nil:
		v.state, v.level = "Not receiving", widget.DangerImportance
		var inUse *portInUseError
		if errors.As(st.Err, &inUse) {
			v.state = "Not receiving: port " + inUse.port + " is in use"
		}
		v.portErr = true
	default:
		v.state, v.level = "Receiver paused: callbacks wait at the gateway", widget.WarningImportance
	}
	v.today = fmt.Sprintf("%d callbacks today", stats.Today)
	if stats.RejectedToday > 0 {
		v.today += fmt.Sprintf(" (%d rejected)", stats.RejectedToday)
	}
	if stats.Pending {
		v.today += " · database unavailable: callbacks are kept in the journal"
	}
	if !stats.LastCallback.IsZero() {
		v.last = "last " + clockOrDate(stats.LastCallback, now)
		if stats.LastDevice != "" {
			v.last += " from " + stats.LastDevice
		}
	} else {
		v.last = "none received yet"
	}
	if stats.LastError != "" {
		v.lastErr = "last error " + clockOrDate(stats.LastErrorAt, now) + ": " + stats.LastError
	}
	return v
}

// displayAddr shows ":5000" for every interface, or the host and port listened on.
func displayAddr(bound, asked string) string {
	if strings.HasPrefix(asked, ":") || strings.HasPrefix(asked, "0.0.0.0:") || strings.HasPrefix(asked, "[::]:") {
		if i := strings.LastIndex(bound, ":"); i >= 0 {
			return bound[i:]
		}
	}
	if bound != "" {
		return bound
	}
	return asked
}

func clockOrDate(t, now time.Time) string {
	t = t.Local()
	if y, m, d := t.Date(); y == now.Year() && m == now.Month() && d == now.Day() {
		return t.Format("15:04:05")
	}
	return t.Format("2006-01-02 15:04")
}

func (s *Services) receiverStats() receiver.Stats {
	if s.Receiver == nil {
		return receiver.Stats{}
	}
	return s.Receiver.Stats()
}

// statusBar is the line at the bottom of the window.
type statusBar struct {
	svc       *Services
	win       fyne.Window
	dot       *canvas.Circle
	state     *widget.Label
	detailLbl *widget.Label
	errLbl    *widget.Label
	port      *widget.Button
	resume    *widget.Button
	box       fyne.CanvasObject
	// onChange is called after the receiver was paused, resumed or moved, for the tray to follow.
	onChange func()
	// shown is what the bar shows, so that the once-a-second refresh redraws only on a change.
	shown  receiverView
	detail string
	drawn  bool
}

func newStatusBar(svc *Services, win fyne.Window) *statusBar {
	b := &statusBar{svc: svc, win: win, dot: canvas.NewCircle(color.Transparent),
		state: widget.NewLabel(""), detailLbl: widget.NewLabel(""), errLbl: widget.NewLabel("")}
	b.state.TextStyle = fyne.TextStyle{Bold: true}
	b.detailLbl.Truncation = fyne.TextTruncateEllipsis
	b.errLbl.Importance = widget.DangerImportance
	b.errLbl.Truncation = fyne.TextTruncateEllipsis
	b.port = widget.NewButtonWithIcon("Choose another port…", theme.SettingsIcon(), b.onChoosePort)
	b.resume = widget.NewButtonWithIcon("Resume", theme.MediaPlayIcon(), b.onResume)
	dot := container.NewGridWrap(fyne.NewSize(12, 12), b.dot)
	left := container.NewHBox(container.NewCenter(dot), b.state)
	right := container.NewHBox(b.port, b.resume)
	b.box = container.NewVBox(widget.NewSeparator(),
		container.NewBorder(nil, nil, left, right, container.NewVBox(b.detailLbl, b.errLbl)))
	svc.OnEvents(func([]receiver.Event) { b.refresh() })
	b.refresh()
	return b
}

func (b *statusBar) refresh() {
	st := b.svc.serverState()
	v := describeReceiver(st, b.svc.receiverStats(), time.Now())
	detail := v.today + " · " + v.last
	if v.portErr {
		detail = restOf(st.Err)
	}
	if b.drawn && v == b.shown && detail == b.detail {
		return
	}
	b.drawn, b.shown, b.detail = true, v, detail
	b.state.SetText(v.state)
	b.state.Importance = v.level
	b.state.Refresh()
	b.dot.FillColor = importanceColor(v.level)
	b.dot.Refresh()
	b.detailLbl.SetText(detail)
	if v.lastErr != "" {
		b.errLbl.SetText(v.lastErr)
		b.errLbl.Show()
	} else {
		b.errLbl.Hide()
	}
	if v.portErr {
		b.port.Show()
	} else {
		b.port.Hide()
	}
	if !v.running && !v.portErr {
		b.resume.Show()
	} else {
		b.resume.Hide()
	}
}

// restOf is what an error says after its first clause, for a line that already names the problem.
func restOf(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if _, rest, ok := strings.Cut(s, "; "); ok {
		return strings.ToUpper(rest[:1]) + rest[1:] + "."
	}
	return s
}

func importanceColor(imp widget.Importance) color.Color {
	th := fyne.CurrentApp().Settings().Theme()
	v := fyne.CurrentApp().Settings().ThemeVariant()
	switch imp {
	case widget.SuccessImportance:
		return th.Color(theme.ColorNameSuccess, v)
	case widget.DangerImportance:
		return th.Color(theme.ColorNameError, v)
	case widget.WarningImportance:
		return th.Color(theme.ColorNameWarning, v)
	}
	return th.Color(theme.ColorNameDisabled, v)
}

func (b *statusBar) onResume() {
	if err := b.svc.ResumeReceiver(); err != nil {
		dialog.ShowError(err, b.win)
	}
	b.changed()
}

func (b *statusBar) changed() {
	b.refresh()
	if b.onChange != nil {
		b.onChange()
	}
}

// onChoosePort asks for another listen address and moves the receiver there when it is free.
func (b *statusBar) onChoosePort() {
	showListenDialog(b.svc, b.win, b.changed)
}

// showListenDialog asks for the receiver's address; done runs after a successful move.
func showListenDialog(svc *Services, win fyne.Window, done func()) {
	entry := widget.NewEntry()
	entry.SetText(suggestListen(svc.Config.Listen))
	problem := problemLabel()
	intro := widget.NewLabel("CamsDesk receives callbacks on this address. \":5001\" listens on every network " +
		"interface on port 5001. Remember to register the new port in API Monitor's callback URL.")
	intro.Wrapping = fyne.TextWrapWord
	var d *dialog.CustomDialog
	try := widget.NewButtonWithIcon("Listen here", theme.ConfirmIcon(), func() {
		if err := svc.Listen(entry.Text); err != nil {
			showProblem(problem, err)
			return
		}
		d.Hide()
		done()
	})
	try.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { d.Hide() })
	content := container.NewVBox(intro, widget.NewForm(widget.NewFormItem("Listen address", entry)), problem)
	d = dialog.NewCustomWithoutButtons("Callback receiver address", content, win)
	d.SetButtons([]fyne.CanvasObject{cancel, try})
	d.Resize(fyne.NewSize(520, 260))
	d.Show()
}

// suggestListen proposes the next port after the one in use.
func suggestListen(addr string) string {
	i := strings.LastIndex(addr, ":")
	if i < 0 {
		return data.DefaultListen
	}
	var port int
	if _, err := fmt.Sscanf(addr[i+1:], "%d", &port); err != nil || port <= 0 || port >= 65535 {
		return data.DefaultListen
	}
	return fmt.Sprintf("%s:%d", addr[:i], port+1)
}

// statusScreen is the overview: the receiver in detail, the devices and where the data lives.
type statusScreen struct {
	svc      *Services
	win      fyne.Window
	bar      *statusBar
	state    *widget.Label
	counts   *widget.Label
	lastErr  *widget.Label
	devices  *widget.Label
	paths    *widget.Label
	toggle   *widget.Button
	firstRun *firstRun
	box      fyne.CanvasObject
	loading  bool
}

func newStatusScreen(svc *Services, win fyne.Window, bar *statusBar) *statusScreen {
	s := &statusScreen{svc: svc, win: win, bar: bar, state: widget.NewLabel(""), counts: widget.NewLabel(""),
		lastErr: widget.NewLabel(""), devices: widget.NewLabel(""), paths: widget.NewLabel("")}
	for _, l := range []*widget.Label{s.state, s.counts, s.lastErr, s.devices, s.paths} {
		l.Wrapping = fyne.TextWrapWord
	}
	s.state.TextStyle = fyne.TextStyle{Bold: true}
	s.lastErr.Importance = widget.DangerImportance
	s.toggle = widget.NewButton("Pause receiver", s.onToggle)
	port := widget.NewButtonWithIcon("Change address…", theme.SettingsIcon(), func() { showListenDialog(svc, win, s.changed) })
	s.firstRun = newFirstRun(svc, win, s.refresh)
	recv := widget.NewCard("Callback receiver", "", container.NewVBox(s.state, s.counts, s.lastErr,
		container.NewHBox(s.toggle, port, layout.NewSpacer())))
	devs := widget.NewCard("Devices", "", s.devices)
	where := widget.NewCard("Data", "", s.paths)
	s.box = container.NewVScroll(container.NewPadded(container.NewVBox(s.firstRun.content(), recv, devs, where)))
	svc.OnEvents(func([]receiver.Event) { s.refresh() })
	s.refresh()
	return s
}

func (s *statusScreen) content() fyne.CanvasObject { return s.box }

func (s *statusScreen) shown() { s.refresh() }

func (s *statusScreen) changed() {
	s.refresh()
	s.bar.changed()
}

func (s *statusScreen) onToggle() {
	if err := s.svc.ToggleReceiver(); err != nil {
		dialog.ShowError(err, s.win)
	}
	s.changed()
}

func (s *statusScreen) refresh() {
	st := s.svc.serverState()
	stats := s.svc.receiverStats()
	v := describeReceiver(st, stats, time.Now())
	s.state.SetText(v.state)
	if st.Err != nil {
		s.state.SetText("Not receiving: " + st.Err.Error() + ".")
	}
	counts := v.today + "; " + v.last + "."
	if st.Remote != "" {
		counts += "\n" + st.Remote + " receives the callbacks for this database; this PC shows what it stores."
	} else if st.Running {
		counts += "\nOn this PC the callback URL is " + loopbackURL(st.Bound) + "; the Devices screen shows the URL to register in API Monitor."
	}
	if stats.Replayed > 0 {
		counts += fmt.Sprintf("\n%d callbacks were applied from the journal at start.", stats.Replayed)
	}
	s.counts.SetText(counts)
	if v.lastErr != "" {
		s.lastErr.SetText(v.lastErr)
		s.lastErr.Show()
	} else {
		s.lastErr.Hide()
	}
	if st.Remote != "" {
		s.toggle.SetText("Receive on this PC")
		s.toggle.SetIcon(theme.MediaPlayIcon())
	} else if st.Running {
		s.toggle.SetText("Pause receiver")
		s.toggle.SetIcon(theme.MediaPauseIcon())
	} else {
		s.toggle.SetText("Resume receiver")
		s.toggle.SetIcon(theme.MediaPlayIcon())
	}
	s.firstRun.setVisible(len(s.svc.Config.Devices) == 0)
	s.paths.SetText(fmt.Sprintf("Data folder: %s\nSettings file: %s", orDash(s.svc.DataDir), orDash(s.svc.ConfigPath)))
	s.loadDevices()
}

type deviceRows struct {
	stored map[string]data.Device // by stgid
	err    error
}

// loadDevices reads when each device was last seen, off the UI goroutine.
func (s *statusScreen) loadDevices() {
	if len(s.svc.Config.Devices) == 0 {
		s.devices.SetText("No device yet.")
		return
	}
	if s.svc.Store == nil || s.loading {
		s.showDevices(deviceRows{})
		return
	}
	s.loading = true
	background(s.svc, func() deviceRows {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ds, err := s.svc.Store.Devices(ctx)
		rows := deviceRows{stored: map[string]data.Device{}, err: err}
		for _, d := range ds {
			rows.stored[d.STGID] = d
		}
		return rows
	}, func(r deviceRows) {
		s.loading = false
		s.showDevices(r)
	})
}

func (s *statusScreen) showDevices(r deviceRows) {
	var lines []string
	now := time.Now()
	for _, p := range s.svc.Config.Devices {
		line := "• " + p.Name
		if p.Simulated {
			line += " (simulated)"
		}
		d, ok := r.stored[p.STGID]
		switch {
		case ok && d.LastSeen != nil:
			line += ": last callback " + clockOrDate(*d.LastSeen, now)
			if d.LabelName != "" {
				line += ", label " + d.LabelName
			}
			if d.SerialNumber != "" {
				line += ", serial " + d.SerialNumber
			}
		default:
			line += ": no callback received yet"
		}
		lines = append(lines, line)
	}
	if r.err != nil {
		lines = append(lines, "The database could not be read: "+r.err.Error())
	}
	s.devices.SetText(strings.Join(lines, "\n"))
}
