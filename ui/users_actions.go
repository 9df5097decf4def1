package ui

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// userActions are the commands the users screen sends for the chosen user, through the device client.
type userActions struct {
	svc *Services
	win fyne.Window
	d   *userDetail

	sending bool
	dialog  dialog.Dialog // the open confirmation or form, for tests

	copyBtn, deleteBtn, enableBtn, disableBtn, accessBtn, enrolBtn *widget.Button
	busy                                                           *widget.ProgressBarInfinite
	result, hint                                                   *widget.Label
	box                                                            fyne.CanvasObject
}

func newUserActions(svc *Services, win fyne.Window, d *userDetail) *userActions {
	a := &userActions{svc: svc, win: win, d: d, busy: widget.NewProgressBarInfinite(), result: widget.NewLabel(""),
		hint: widget.NewLabel("")}
	a.result.Wrapping = fyne.TextWrapWord
	a.hint.Wrapping = fyne.TextWrapWord
	a.hint.Importance = widget.LowImportance
	a.busy.Stop()
	a.busy.Hide()
	a.copyBtn = widget.NewButton("Copy to device…", a.onCopy)
	a.deleteBtn = widget.NewButton("Delete from device…", a.onDelete)
	a.deleteBtn.Importance = widget.DangerImportance
	a.enableBtn = widget.NewButton("Enable", func() { a.onAccess(true) })
	a.disableBtn = widget.NewButton("Disable", func() { a.onAccess(false) })
	a.accessBtn = widget.NewButton("Access time…", a.onAccessTime)
	a.enrolBtn = widget.NewButton("Enrol fingerprint…", a.onEnrol)
	buttons := container.NewGridWithColumns(3, a.copyBtn, a.enableBtn, a.disableBtn, a.accessBtn, a.enrolBtn, a.deleteBtn)
	a.box = container.NewVBox(buttons, a.busy, a.result, a.hint)
	a.update()
	return a
}

func (a *userActions) buttons() []*widget.Button {
	return []*widget.Button{a.copyBtn, a.deleteBtn, a.enableBtn, a.disableBtn, a.accessBtn, a.enrolBtn}
}

// update enables what makes sense for the chosen user: nothing while a command is on its way, only a
// copy for a deleted user (from the templates kept here).
func (a *userActions) update() {
	u := a.d.user
	for _, b := range a.buttons() {
		on := u != nil && !a.sending
		if b != a.copyBtn && u != nil && u.DeletedAt != nil {
			on = false
		}
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}

// profileOf is the configured device a stored device id stands for.
func (a *userActions) profileOf(deviceID uint) (device.Profile, error) {
	d, ok := a.d.s.devices.byID(deviceID)
	if !ok {
		return device.Profile{}, errors.New("the user's device is not in the store any more")
	}
	if p, ok := a.svc.Config.DeviceBySTGID(d.STGID); ok {
		return p, nil
	}
	return device.Profile{}, fmt.Errorf("the device %q (stgid %s) is not configured here; add it on the Devices screen to send it commands",
		deviceLabel(d), d.STGID)
}

// copyTargets are the configured devices other than the user's own.
func (a *userActions) copyTargets(deviceID uint) []string {
	own := ""
	if d, ok := a.d.s.devices.byID(deviceID); ok {
		own = d.STGID
	}
	var names []string
	for _, p := range a.svc.Config.Devices {
		if strings.TrimSpace(p.STGID) != own {
			names = append(names, p.Name)
		}
	}
	return names
}

func (a *userActions) onCopy() {
	u := a.d.user
	if u == nil {
		return
	}
	targets := a.copyTargets(u.DeviceID)
	if len(targets) == 0 {
		a.show(nil, errors.New("there is no other configured device to copy to; add one on the Devices screen"))
		return
	}
	sel := widget.NewSelect(targets, nil)
	sel.SetSelected(targets[0])
	msg := widget.NewLabel(fmt.Sprintf("Enrol %s (%s) on another device with every template stored here (%s).",
		u.UserID, orDash(strings.TrimSpace(u.FirstName+" "+u.LastName)), templateSummary(u.TemplateCounts)))
	msg.Wrapping = fyne.TextWrapWord
	a.dialog = dialog.NewCustomConfirm("Copy user to device", "Copy", "Cancel", container.NewVBox(msg, sel), func(ok bool) {
		a.dialog = nil
		if !ok {
			return
		}
		if p, found := a.svc.Profile(sel.Selected); found {
			a.copyTo(*u, p)
		}
	}, a.win)
	a.dialog.Resize(fyne.NewSize(460, 240))
	a.dialog.Show()
}

// copyTo enrols u on p with every template stored for u: the stored templates are read again, off the
// UI goroutine, and sent verbatim in one Add command.
func (a *userActions) copyTo(u data.UserRow, p device.Profile) {
	a.send(p, "Copy", func(ctx context.Context) (device.Operation, device.Request, error) {
		ts, err := a.svc.Store.Templates(ctx, u.DeviceID, u.UserID)
		if err != nil {
			return device.Operation{}, device.Request{}, err
		}
		return copyRequest(u.User, ts)
	})
}

// copyRequest is the Add command that enrols u with every stored template, data verbatim.
func copyRequest(u data.User, ts []data.Template) (device.Operation, device.Request, error) {
	nu := device.NewUser{UserID: u.UserID, FirstName: u.FirstName, LastName: u.LastName, UserType: u.UserType}
	templates := make([]device.TemplateData, 0, len(ts))
	for _, t := range ts {
		td := device.TemplateData{Type: t.Type, UserID: t.UserID, Data: t.Data, Index: t.Idx}
		if t.Size > 0 {
			td.Size = strconv.Itoa(t.Size)
		}
		templates = append(templates, td)
	}
	op, req, err := device.AddUserFromTemplates(nu, templates)
	if err != nil {
		return op, req, fmt.Errorf("the stored templates cannot be sent: %s", problemList(err))
	}
	return op, req, nil
}

func (a *userActions) onDelete() {
	u := a.d.user
	if u == nil {
		return
	}
	p, err := a.profileOf(u.DeviceID)
	if err != nil {
		a.show(nil, err)
		return
	}
	c := dialog.NewConfirm("Delete user?", fmt.Sprintf("Delete %s (%s) and all their templates from the device %q?\n\n"+
		"The device cannot undo this. The templates stored here are kept, so the user can be copied back.",
		u.UserID, orDash(strings.TrimSpace(u.FirstName+" "+u.LastName)), p.Name), func(ok bool) {
		a.dialog = nil
		if ok {
			a.sendOp(p, "DeleteUser", device.Params{"UserID": u.UserID})
		}
	}, a.win)
	c.SetConfirmText("Delete user")
	c.SetConfirmImportance(widget.DangerImportance)
	a.dialog = c
	c.Show()
}

func (a *userActions) onAccess(enable bool) {
	u := a.d.user
	if u == nil {
		return
	}
	p, err := a.profileOf(u.DeviceID)
	if err != nil {
		a.show(nil, err)
		return
	}
	op := "DisableUser"
	if enable {
		op = "EnableUser"
	}
	a.sendOp(p, op, device.Params{"UserID": u.UserID})
}

func (a *userActions) onAccessTime() {
	u := a.d.user
	if u == nil {
		return
	}
	p, err := a.profileOf(u.DeviceID)
	if err != nil {
		a.show(nil, err)
		return
	}
	zone, _ := p.Location()
	now := time.Now().In(zone)
	start, end := widget.NewEntry(), widget.NewEntry()
	start.SetText(now.Format("2006-01-02") + " 00:00:00")
	end.SetText(now.AddDate(1, 0, 0).Format("2006-01-02") + " 23:59:59")
	items := []*widget.FormItem{widget.NewFormItem("From", start), widget.NewFormItem("Until", end)}
	items[0].HintText = "the device's local time, YYYY-MM-DD HH:MM:SS"
	a.dialog = dialog.NewForm("Access time of "+u.UserID, "Send", "Cancel", items, func(ok bool) {
		a.dialog = nil
		if ok {
			a.sendOp(p, "UpdateAccessTime", device.Params{"UserID": u.UserID, "Start": start.Text, "End": end.Text})
		}
	}, a.win)
	a.dialog.Resize(fyne.NewSize(460, 260))
	a.dialog.Show()
}

func (a *userActions) onEnrol() {
	u := a.d.user
	if u == nil {
		return
	}
	p, err := a.profileOf(u.DeviceID)
	if err != nil {
		a.show(nil, err)
		return
	}
	first, last := widget.NewEntry(), widget.NewEntry()
	first.SetText(u.FirstName)
	if first.Text == "" {
		first.SetText(u.UserID)
	}
	last.SetText(u.LastName)
	items := []*widget.FormItem{widget.NewFormItem("First name", first), widget.NewFormItem("Last name", last)}
	items[0].HintText = "the device then waits for the finger; the template arrives by callback"
	a.dialog = dialog.NewForm("Enrol a fingerprint for "+u.UserID, "Enrol", "Cancel", items, func(ok bool) {
		a.dialog = nil
		if ok {
			a.sendOp(p, "EnrollFingerPrint", device.Params{"UserID": u.UserID, "FirstName": first.Text, "LastName": last.Text})
		}
	}, a.win)
	a.dialog.Resize(fyne.NewSize(460, 260))
	a.dialog.Show()
}

// sendOp sends a catalogue operation with params to p.
func (a *userActions) sendOp(p device.Profile, name string, params device.Params) {
	op, ok := device.Lookup(name)
	if !ok {
		a.show(nil, fmt.Errorf("the operation %s is not in the catalogue", name))
		return
	}
	req, err := op.Build(params)
	if err != nil {
		a.show(nil, fmt.Errorf("not sent: %s", problemList(err)))
		return
	}
	a.send(p, op.Title, func(context.Context) (device.Operation, device.Request, error) { return op, req, nil })
}

type actionOutcome struct {
	op     device.Operation
	res    *device.Result
	err    error
	target string
}

// send builds and sends one command to p off the UI goroutine and shows the answer.
func (a *userActions) send(p device.Profile, title string, build func(ctx context.Context) (device.Operation, device.Request, error)) {
	if a.sending {
		return
	}
	client, err := a.svc.Client(p)
	if err != nil {
		a.show(nil, fmt.Errorf("the settings of %q are incomplete: %s; correct them on the Devices screen", p.Name, problemList(err)))
		return
	}
	a.sending = true
	a.update()
	a.busy.Show()
	a.busy.Start()
	a.result.Importance = widget.MediumImportance
	a.result.SetText(fmt.Sprintf("%s: sending to %s…", title, p.Name))
	a.hint.SetText("")
	background(a.svc, func() actionOutcome {
		ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
		defer cancel()
		out := actionOutcome{target: p.Name}
		var req device.Request
		out.op, req, out.err = build(ctx)
		if out.err == nil {
			out.res, out.err = client.SendRequest(ctx, out.op, req)
		}
		return out
	}, func(o actionOutcome) {
		a.sending = false
		a.busy.Stop()
		a.busy.Hide()
		a.update()
		a.show(&o, o.err)
	})
}

// show says how a command went, or why none was sent (o nil).
func (a *userActions) show(o *actionOutcome, err error) {
	var ce *device.CallError
	switch {
	case err == nil && o != nil:
		a.result.Importance = widget.SuccessImportance
		a.result.SetText(fmt.Sprintf("✓ %s sent to %s: %s", o.op.Title, o.target, o.res.Status.Describe()))
		hint := o.res.Status.Hint
		if o.op.Queued {
			hint = "The device carries it out in about 15 seconds and reports the change by callback; this list follows."
		}
		a.hint.SetText(hint)
	case errors.As(err, &ce):
		a.result.Importance = widget.DangerImportance
		a.result.SetText("✗ " + ce.Cause)
		a.hint.SetText(ce.Hint)
	case err != nil:
		a.result.Importance = widget.DangerImportance
		a.result.SetText("✗ " + err.Error())
		a.hint.SetText("")
	}
	a.result.Refresh()
}
