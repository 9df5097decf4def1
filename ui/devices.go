package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// testTimeout bounds Test connection.
const testTimeout = 45 * time.Second

// zoneChoices are offered for a device's time zone; any IANA name or offset may be typed.
var zoneChoices = []string{"Asia/Kolkata", "Asia/Dubai", "Asia/Riyadh", "Asia/Karachi", "Asia/Dhaka", "Asia/Singapore",
	"Africa/Nairobi", "Africa/Lagos", "Africa/Cairo", "Europe/London", "Europe/Berlin", "America/New_York", "UTC", "+05:30"}

// devicesScreen adds, edits and removes device profiles, shows the callback URL to register in API Monitor,
// and tests a profile with LoadDeviceInformation.
type devicesScreen struct {
	svc *Services
	win fyne.Window

	list     *widget.List
	names    []string
	editing  string // name of the profile in the form; "" for a new one
	testing  bool
	firstRun *firstRun

	name, endpoint, stgid          *widget.Entry
	authToken, callbackToken, key  *widget.Entry
	zone                           *widget.SelectEntry
	callbackURL                    *widget.Entry
	callbackNote, formNote, result *widget.Label
	save, remove, test             *widget.Button
	testBusy                       *widget.ProgressBarInfinite
	quiet                          bool

	formBox *fyne.Container
	box     *fyne.Container
}

func newDevicesScreen(svc *Services, win fyne.Window) *devicesScreen {
	s := &devicesScreen{svc: svc, win: win}
	s.name = s.entry("Main Gate", false)
	s.endpoint = s.entry("https://…/external/api3.0/biometric", false)
	s.stgid = s.entry("service tag id from API Monitor", false)
	s.authToken = s.entry("32 characters", true)
	s.callbackToken = s.entry("32 characters; empty accepts the auth token", true)
	s.key = s.entry("32 characters; only when API Monitor shows one", true)
	s.zone = widget.NewSelectEntry(zoneChoices)
	s.zone.SetPlaceHolder("this PC's time zone (" + time.Now().Format("MST -07:00") + ")")
	s.zone.Validator = s.validator("time_zone")
	s.zone.AlwaysShowValidationError = true
	s.zone.OnChanged = func(string) { s.onFormChanged() }
	s.name.Validator = s.validator("name")
	s.endpoint.Validator = s.validator("restful_endpoint")
	s.stgid.Validator = s.validator("stgid")
	s.authToken.Validator = s.validator("auth_token")
	s.callbackToken.Validator = s.validator("callback_auth_token")
	s.key.Validator = s.validator("security_key")

	s.callbackURL = widget.NewEntry()
	s.callbackURL.Disable()
	s.callbackNote = widget.NewLabel("")
	s.callbackNote.Wrapping = fyne.TextWrapWord
	s.callbackNote.Importance = widget.LowImportance
	s.formNote = noteLabel()
	s.result = widget.NewLabel("")
	s.result.Wrapping = fyne.TextWrapWord
	s.testBusy = widget.NewProgressBarInfinite()
	s.testBusy.Hide()
	s.testBusy.Stop()

	s.save = widget.NewButtonWithIcon("Save", theme.DocumentSaveIcon(), s.onSave)
	s.save.Importance = widget.HighImportance
	s.remove = widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), s.onRemove)
	s.test = widget.NewButtonWithIcon("Test connection", theme.MediaPlayIcon(), s.onTest)
	copyURL := widget.NewButtonWithIcon("Copy", theme.ContentCopyIcon(), s.onCopyURL)

	form := widget.NewForm(
		widget.NewFormItem("Name", s.name),
		widget.NewFormItem("RESTful endpoint", s.endpoint),
		widget.NewFormItem("Service tag id (stgid)", s.stgid),
		widget.NewFormItem("Auth token", s.authToken),
		widget.NewFormItem("Callback auth token", s.callbackToken),
		widget.NewFormItem("Security key", s.key),
		widget.NewFormItem("Time zone", s.zone),
	)
	for _, it := range form.Items {
		it.HintText = " "
	}
	form.Items[1].HintText = "Paste it from API Monitor."
	form.Items[6].HintText = "Where the device stands: its punches are read in this zone."

	cbBox := container.NewVBox(
		widget.NewLabelWithStyle("Callback URL to register in API Monitor", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		container.NewBorder(nil, nil, nil, copyURL, s.callbackURL),
		s.callbackNote,
	)
	buttons := container.NewHBox(s.save, s.test, container.NewGridWrap(fyne.NewSize(120, 8), s.testBusy), layout.NewSpacer(), s.remove)
	s.formBox = container.NewVBox(form, s.formNote, buttons, s.result, widget.NewSeparator(), cbBox)

	s.list = widget.NewList(
		func() int { return len(s.names) },
		func() fyne.CanvasObject { return widget.NewLabel("Main Gate (simulated)") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			label := s.names[id]
			if p, ok := s.svc.Profile(label); ok && p.Simulated {
				label += " (simulated)"
			}
			o.(*widget.Label).SetText(label)
		})
	s.list.OnSelected = func(id widget.ListItemID) { s.edit(s.names[id]) }
	add := widget.NewButtonWithIcon("Add device", theme.ContentAddIcon(), s.onNew)
	left := container.NewBorder(nil, add, nil, nil, s.list)

	s.firstRun = newFirstRun(svc, win, func() { s.reload(SimulatedDeviceName) })
	right := container.NewVScroll(container.NewPadded(container.NewVBox(s.firstRun.content(), s.formBox)))
	split := container.NewHSplit(left, right)
	split.Offset = 0.24
	s.box = container.NewStack(split)
	s.reload("")
	return s
}

func (s *devicesScreen) content() fyne.CanvasObject { return s.box }

// shown reloads the list: the first-run demo may have added a device elsewhere.
func (s *devicesScreen) shown() { s.reload(s.editing) }

func (s *devicesScreen) entry(placeholder string, secret bool) *widget.Entry {
	var e *widget.Entry
	if secret {
		e = widget.NewPasswordEntry()
	} else {
		e = widget.NewEntry()
	}
	e.SetPlaceHolder(placeholder)
	e.AlwaysShowValidationError = true
	e.OnChanged = func(string) { s.onFormChanged() }
	return e
}

// reload re-reads the profiles and shows the one named selected, else the first, else an empty form.
func (s *devicesScreen) reload(selected string) {
	s.names = s.names[:0]
	for _, p := range s.svc.Config.Devices {
		s.names = append(s.names, p.Name)
	}
	s.list.Refresh()
	s.firstRun.setVisible(len(s.names) == 0)
	if len(s.names) == 0 {
		s.onNew()
		return
	}
	idx := 0
	for i, n := range s.names {
		if strings.EqualFold(n, selected) {
			idx = i
		}
	}
	s.list.Select(idx)
	s.edit(s.names[idx])
}

// edit fills the form with the named profile.
func (s *devicesScreen) edit(name string) {
	p, ok := s.svc.Profile(name)
	if !ok {
		return
	}
	s.name.Enable()
	s.editing = p.Name
	s.fill(p)
	s.remove.Enable()
	if isDemo(p) {
		// CamsDesk finds its demo device by this name.
		s.name.Disable()
	}
}

func (s *devicesScreen) onNew() {
	s.editing = ""
	s.name.Enable()
	s.list.UnselectAll()
	s.fill(device.Profile{})
	s.remove.Disable()
}

func (s *devicesScreen) fill(p device.Profile) {
	s.quiet = true
	s.name.SetText(p.Name)
	s.endpoint.SetText(p.Endpoint)
	s.stgid.SetText(p.STGID)
	s.authToken.SetText(p.AuthToken)
	s.callbackToken.SetText(p.CallbackAuthToken)
	s.key.SetText(p.SecurityKey)
	s.zone.SetText(p.TimeZone)
	s.quiet = false
	s.result.SetText("")
	s.onFormChanged()
	if p.Name == "" {
		// A new form is not wrong yet: its problems show as the user types.
		for _, e := range s.entries() {
			e.SetValidationError(nil)
		}
		showNote(s.formNote, "", false)
	}
}

func (s *devicesScreen) entries() []*widget.Entry {
	return []*widget.Entry{s.name, s.endpoint, s.stgid, s.authToken, s.callbackToken, s.key, &s.zone.Entry}
}

// formProfile is the profile the form describes; Simulated and the old key stay as stored.
func (s *devicesScreen) formProfile() device.Profile {
	p := device.Profile{}
	if old, ok := s.svc.Profile(s.editing); ok {
		p = old
	}
	p.Name = strings.TrimSpace(s.name.Text)
	p.Endpoint = strings.TrimSpace(s.endpoint.Text)
	p.STGID = strings.TrimSpace(s.stgid.Text)
	p.AuthToken = s.authToken.Text
	p.CallbackAuthToken = s.callbackToken.Text
	p.SecurityKey = s.key.Text
	p.TimeZone = strings.TrimSpace(s.zone.Text)
	return p
}

// problems are the form's problems by profile field, including names and stgids used by another device.
func (s *devicesScreen) problems() map[string]string {
	p := s.formProfile()
	out := map[string]string{}
	for _, fe := range data.FieldErrors(p.Validate()) {
		if _, dup := out[fe.Field]; !dup {
			out[fe.Field] = fe.Msg
		}
	}
	for _, other := range s.svc.Config.Devices {
		if strings.EqualFold(other.Name, s.editing) && s.editing != "" {
			continue
		}
		if p.Name != "" && strings.EqualFold(other.Name, p.Name) && out["name"] == "" {
			out["name"] = "another device already has this name"
		}
		if p.STGID != "" && other.STGID == p.STGID && out["stgid"] == "" {
			out["stgid"] = fmt.Sprintf("the device %q already has this service tag id", other.Name)
		}
	}
	return out
}

// validator checks one field as the user types.
func (s *devicesScreen) validator(field string) func(string) error {
	return func(string) error {
		if msg := s.problems()[field]; msg != "" {
			return errors.New(msg)
		}
		return nil
	}
}

func (s *devicesScreen) onFormChanged() {
	if s.quiet {
		return
	}
	for _, e := range s.entries() {
		e.Validate()
	}
	probs := s.problems()
	if len(probs) == 0 {
		s.save.Enable()
		showNote(s.formNote, "", false)
	} else {
		s.save.Disable()
		showNote(s.formNote, fmt.Sprintf("%d field(s) to correct before saving.", len(probs)), true)
	}
	s.updateTestButton(probs)
	s.showCallbackURL()
}

func (s *devicesScreen) updateTestButton(probs map[string]string) {
	for _, f := range []string{"restful_endpoint", "stgid", "auth_token", "security_key", "time_zone"} {
		if probs[f] != "" {
			s.test.Disable()
			return
		}
	}
	if s.testing {
		s.test.Disable()
		return
	}
	s.test.Enable()
}

// showCallbackURL shows the URL the gateway must POST callbacks to for this device.
func (s *devicesScreen) showCallbackURL() {
	st := s.svc.serverState()
	addr := st.Bound
	if addr == "" {
		addr = s.svc.Config.Listen
	}
	u, note := callbackURLFor(addr, strings.TrimSpace(s.stgid.Text), lanAddress())
	switch {
	case st.Remote != "":
		note = st.Remote + " receives the callbacks for this database: register its URL in API Monitor, not this PC's."
	case !st.Running:
		note = "The receiver is not listening now (see the status bar). " + note
	}
	s.callbackURL.SetText(u)
	s.callbackNote.SetText(note)
}

// callbackURLFor is the callback URL for a device on listen address addr, with a note on how the gateway
// reaches it. lan is this PC's network address, "" when unknown.
func callbackURLFor(addr, stgid, lan string) (string, string) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", "The listen address in Settings is not host:port."
	}
	note := "The gateway calls this URL over the internet: register it with this PC's public address or domain, " +
		"and forward port " + port + " to this PC."
	switch {
	case host == "" || host == "0.0.0.0" || host == "::":
		host = lan
		if host == "" {
			host = "THIS-PC"
		}
	case net.ParseIP(host) != nil && net.ParseIP(host).IsLoopback():
		note = "The receiver listens on this PC only (" + addr + "): devices cannot reach it. Listen on \":" + port +
			"\" in Settings to receive callbacks from the gateway."
	}
	u := url.URL{Scheme: "http", Host: net.JoinHostPort(host, port), Path: "/callback"}
	if stgid != "" {
		u.RawQuery = url.Values{"stgid": {stgid}}.Encode()
	}
	return u.String(), note
}

// lanAddress is this PC's first private IPv4 address, "" when there is none.
func lanAddress() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && !ipn.IP.IsLoopback() && ipn.IP.IsPrivate() {
			return ipn.IP.String()
		}
	}
	return ""
}

func (s *devicesScreen) onCopyURL() {
	if s.callbackURL.Text == "" {
		return
	}
	fyne.CurrentApp().Clipboard().SetContent(s.callbackURL.Text)
	s.result.SetText("Callback URL copied.")
}

// onSave stores the profile; renaming keeps the device the default if it was.
func (s *devicesScreen) onSave() {
	if len(s.problems()) > 0 {
		return
	}
	p := s.formProfile()
	old := s.editing
	err := s.svc.UpdateConfig(func(c *data.Config) error {
		wasDefault := old != "" && strings.EqualFold(c.DefaultDevice, old)
		if old != "" && !strings.EqualFold(old, p.Name) {
			c.Remove(old)
		}
		c.Put(p)
		if wasDefault {
			c.DefaultDevice = p.Name
		}
		return nil
	})
	if err != nil {
		dialog.ShowError(fmt.Errorf("the device was not saved: %s", problemList(err)), s.win)
		return
	}
	s.reload(p.Name)
	s.result.SetText(fmt.Sprintf("Saved %q.", p.Name))
}

func (s *devicesScreen) onRemove() {
	name := s.editing
	p, ok := s.svc.Profile(name)
	if !ok {
		return
	}
	msg := fmt.Sprintf("Remove the device %q from CamsDesk?\n\nIts punches and users stay in the database; callbacks from it will be refused.", name)
	if isDemo(p) {
		msg = fmt.Sprintf("Remove the simulated device %q?\n\nThe simulator stops; what it sent stays in the database.", name)
	}
	d := dialog.NewConfirm("Remove device?", msg, func(yes bool) {
		if yes {
			s.removeDevice(name)
		}
	}, s.win)
	d.SetConfirmText("Remove")
	d.SetConfirmImportance(widget.DangerImportance)
	d.Show()
}

func (s *devicesScreen) removeDevice(name string) {
	p, _ := s.svc.Profile(name)
	if err := s.svc.UpdateConfig(func(c *data.Config) error {
		if !c.Remove(name) {
			return fmt.Errorf("no device named %q", name)
		}
		return nil
	}); err != nil {
		dialog.ShowError(err, s.win)
		return
	}
	if isDemo(p) {
		s.svc.stopSimulation()
	}
	s.reload("")
}

type testOutcome struct {
	info *device.DeviceInformation
	err  error
}

// onTest runs LoadDeviceInformation with the form's settings (saved or not).
func (s *devicesScreen) onTest() {
	p := s.formProfile()
	client, err := s.svc.Client(p)
	if err != nil {
		s.result.SetText("✗ " + problemList(err))
		return
	}
	s.testing = true
	s.test.Disable()
	s.testBusy.Show()
	s.testBusy.Start()
	s.result.SetText(fmt.Sprintf("Asking %s for its device information…", orDash(p.Name)))
	background(s.svc, func() testOutcome {
		ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
		defer cancel()
		info, _, err := client.LoadDeviceInformation(ctx)
		return testOutcome{info: info, err: err}
	}, func(o testOutcome) {
		s.testing = false
		s.testBusy.Stop()
		s.testBusy.Hide()
		s.updateTestButton(s.problems())
		s.result.SetText(testSummary(o.info, o.err))
	})
}

// testSummary is Test connection's answer in plain words.
func testSummary(info *device.DeviceInformation, err error) string {
	var ce *device.CallError
	switch {
	case errors.As(err, &ce):
		s := "✗ " + ce.Cause
		if ce.Hint != "" {
			s += "\n" + ce.Hint
		}
		return s
	case err != nil:
		return "✗ " + err.Error()
	case info == nil:
		return "✗ the gateway sent no device information"
	}
	return fmt.Sprintf("✓ Connected to %s %s (MAC %s). %s users, %s faces, %s fingerprints; last connected %s.",
		orDash(string(info.Manufacturer)), orDash(string(info.DeviceModel)), orDash(string(info.MacAddress)),
		orDash(string(info.RegisteredUsers)), orDash(string(info.RegisteredFaces)),
		orDash(string(info.RegisteredFingerprints)), orDash(string(info.LastConnectedTime)))
}
