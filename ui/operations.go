package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/device"
)

// sendTimeout bounds one Send, busy retries included.
const sendTimeout = 3 * time.Minute

// operationsScreen sends the 27 RESTful commands: one tab per group, a list of its operations, and for the
// chosen one the form and JSON editor, Send, and the answer.
type operationsScreen struct {
	svc       *Services
	win       fyne.Window
	deviceSel *widget.Select
	tabs      *container.AppTabs
	groups    []*opGroupTab
	editors   map[string]*opEditor
	history   *historyDialog
	// confirm is the confirmation on screen for a destructive operation, nil when none.
	confirm *dialog.ConfirmDialog
	// picker is the last stored-template picker shown.
	picker *templatePicker
	box    fyne.CanvasObject
}

// opGroupTab is one group's tab.
type opGroupTab struct {
	group   device.Group
	ops     []device.Operation
	list    *widget.List
	title   *widget.Label
	desc    *widget.Label
	editor  *fyne.Container
	send    *widget.Button
	busy    *widget.ProgressBarInfinite
	answer  *answerView
	current *opEditor
	sending bool
}

func newOperationsScreen(svc *Services, win fyne.Window) *operationsScreen {
	s := &operationsScreen{svc: svc, win: win, editors: map[string]*opEditor{}}
	s.deviceSel = widget.NewSelect(nil, nil)
	s.deviceSel.PlaceHolder = "(add a device first)"
	s.refreshDevices()
	s.tabs = container.NewAppTabs()
	for _, g := range device.Groups {
		t := s.newGroupTab(g)
		s.groups = append(s.groups, t)
		s.tabs.Append(container.NewTabItem(string(g), s.groupContent(t)))
	}
	top := container.NewBorder(nil, nil, widget.NewLabel("Send to"),
		widget.NewButtonWithIcon("History…", theme.HistoryIcon(), s.onHistory), s.deviceSel)
	s.box = container.NewBorder(top, nil, nil, nil, s.tabs)
	return s
}

func (s *operationsScreen) content() fyne.CanvasObject { return s.box }

// shown refreshes the device list, which the Devices screen may have changed.
func (s *operationsScreen) shown() { s.refreshDevices() }

func (s *operationsScreen) refreshDevices() {
	var names []string
	for _, p := range s.svc.Config.Devices {
		names = append(names, p.Name)
	}
	s.deviceSel.Options = names
	sel := s.deviceSel.Selected
	if _, ok := s.svc.Profile(sel); !ok || sel == "" {
		sel = ""
		if p, ok := s.svc.Config.Default(); ok {
			sel = p.Name
		}
	}
	if sel == "" {
		s.deviceSel.ClearSelected()
	} else {
		s.deviceSel.SetSelected(sel)
	}
	s.deviceSel.Refresh()
}

func (s *operationsScreen) newGroupTab(g device.Group) *opGroupTab {
	t := &opGroupTab{group: g, title: widget.NewLabel(""), desc: widget.NewLabel(""),
		editor: container.NewStack(), busy: widget.NewProgressBarInfinite(), answer: newAnswerView()}
	for _, op := range device.Catalog() {
		if op.Group == g {
			t.ops = append(t.ops, op)
		}
	}
	t.title.TextStyle = fyne.TextStyle{Bold: true}
	t.desc.Wrapping = fyne.TextWrapWord
	t.busy.Hide()
	t.send = widget.NewButtonWithIcon("Send", theme.MailSendIcon(), func() { s.onSend(t) })
	t.send.Importance = widget.HighImportance
	t.list = widget.NewList(
		func() int { return len(t.ops) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("#38 Disable user")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			op := t.ops[id]
			o.(*widget.Label).SetText(fmt.Sprintf("#%d %s", op.Number, op.Title))
		})
	t.list.OnSelected = func(id widget.ListItemID) { s.onOpSelected(t, t.ops[id]) }
	return t
}

func (s *operationsScreen) groupContent(t *opGroupTab) fyne.CanvasObject {
	sendBar := container.NewHBox(t.send, container.NewGridWrap(fyne.NewSize(160, 8), t.busy), layout.NewSpacer())
	head := container.NewVBox(t.title, t.desc)
	work := container.NewVSplit(
		container.NewBorder(head, sendBar, nil, nil, t.editor),
		container.NewPadded(t.answer.box),
	)
	work.Offset = 0.62
	split := container.NewHSplit(t.list, work)
	split.Offset = 0.22
	if len(t.ops) > 0 {
		t.list.Select(0)
	}
	return split
}

// onOpSelected shows op's editor, keeping what was typed in it before.
func (s *operationsScreen) onOpSelected(t *opGroupTab, op device.Operation) {
	ed := s.editorFor(op)
	t.current = ed
	ed.onState = func() { s.updateSend(t) }
	t.title.SetText(fmt.Sprintf("#%d %s", op.Number, op.Title))
	desc := op.Description
	if op.Queued {
		desc += " The gateway queues it; the device acts within about 15 seconds and reports back by callback."
	}
	t.desc.SetText(desc)
	t.editor.Objects = []fyne.CanvasObject{ed.content}
	t.editor.Refresh()
	s.updateSend(t)
}

func (s *operationsScreen) editorFor(op device.Operation) *opEditor {
	if ed, ok := s.editors[op.Name]; ok {
		return ed
	}
	ed := newOpEditor(op, fieldHost{win: s.win, pickJPEG: s.pickJPEG, pickBlob: s.pickBlob})
	ed.setParams(recentSamples(op, time.Now()))
	s.editors[op.Name] = ed
	return ed
}

func (s *operationsScreen) updateSend(t *opGroupTab) {
	if t.current == nil || t.sending {
		t.send.Disable()
		return
	}
	if _, err := t.current.plan(); err != nil {
		t.send.Disable()
		return
	}
	t.send.Enable()
}

// selectOp shows the operation named name in its tab.
func (s *operationsScreen) selectOp(name string) (*opGroupTab, *opEditor, bool) {
	op, ok := device.Lookup(name)
	if !ok {
		return nil, nil, false
	}
	for i, t := range s.groups {
		for j, o := range t.ops {
			if o.Name == op.Name {
				s.tabs.SelectIndex(i)
				t.list.Select(j)
				s.onOpSelected(t, o)
				return t, t.current, true
			}
		}
	}
	return nil, nil, false
}

// onSendKey sends the operation of the tab on screen (Ctrl+Enter).
func (s *operationsScreen) onSendKey() {
	if i := s.tabs.SelectedIndex(); i >= 0 && i < len(s.groups) {
		s.onSend(s.groups[i])
	}
}

// onSend sends the current request to the chosen device, asking first when it erases data.
func (s *operationsScreen) onSend(t *opGroupTab) {
	if t.current == nil || t.sending {
		return
	}
	plan, err := t.current.plan()
	if err != nil {
		t.answer.showProblem(err)
		return
	}
	p, ok := s.svc.Profile(s.deviceSel.Selected)
	if !ok {
		t.answer.showProblem(fmt.Errorf("choose the device to send to; add one on the Devices screen"))
		return
	}
	if !t.current.destructive() {
		s.send(t, plan, p)
		return
	}
	msg := fmt.Sprintf("Send %q to the device %q?\n\n%s\nThe device cannot undo this.", plan.op.Title, p.Name, plan.op.Description)
	s.confirm = dialog.NewConfirm(plan.op.Title+"?", msg, func(yes bool) {
		s.confirm = nil
		if yes {
			s.send(t, plan, p)
		}
	}, s.win)
	s.confirm.SetConfirmText(plan.op.Title)
	s.confirm.SetConfirmImportance(widget.DangerImportance)
	s.confirm.SetDismissText("Cancel")
	s.confirm.Show()
}

type sendOutcome struct {
	res *device.Result
	err error
}

func (s *operationsScreen) send(t *opGroupTab, plan sendPlan, p device.Profile) {
	client, err := s.svc.Client(p)
	if err != nil {
		t.answer.showProblem(fmt.Errorf("the settings of %q are incomplete: %s; correct them on the Devices screen", p.Name, problemList(err)))
		return
	}
	t.sending = true
	t.busy.Show()
	t.busy.Start()
	s.updateSend(t)
	t.answer.showBusy(plan.op, p.Name)
	background(s.svc, func() sendOutcome {
		ctx, cancel := context.WithTimeout(context.Background(), sendTimeout)
		defer cancel()
		var out sendOutcome
		if plan.raw != nil {
			out.res, out.err = client.SendRaw(ctx, plan.raw)
		} else {
			out.res, out.err = client.SendRequest(ctx, plan.op, plan.req)
		}
		return out
	}, func(out sendOutcome) {
		t.sending = false
		t.busy.Stop()
		t.busy.Hide()
		s.updateSend(t)
		t.answer.showResult(plan.op, out.res, out.err)
		if s.history != nil {
			s.history.reload()
		}
	})
}

// pickJPEG opens a file picker for a JPEG and reads it off the UI goroutine.
func (s *operationsScreen) pickJPEG(done func([]byte)) {
	pickJPEGFile(s.svc, s.win, done)
}

func (s *operationsScreen) pickBlob(kind device.ParamKind, done func(blob)) {
	s.picker = showTemplatePicker(s.svc, s.win, kind, done)
}

// onHistory lists the calls sent before; choosing one reopens its request and answer.
func (s *operationsScreen) onHistory() {
	s.history = newHistoryDialog(s.svc, s.win, s.reopen)
	s.history.show()
}

// recentSamples are op's samples with its date ranges moved near now, so that a first Send finds data: the
// last seven days for attendance, the coming thirty days for access times.
func recentSamples(op device.Operation, now time.Time) device.Params {
	p := op.Samples()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	from, to := day.AddDate(0, 0, -7), day.Add(24*time.Hour-time.Second)
	if op.Group == device.GroupEnrollUpdate {
		from, to = day, day.AddDate(0, 0, 31).Add(-time.Second)
	}
	for _, par := range op.Params {
		if par.Kind != device.ParamDateTime {
			continue
		}
		if strings.Contains(par.Name, "End") {
			p[par.Name] = to.Format(device.WallLayout)
		} else {
			p[par.Name] = from.Format(device.WallLayout)
		}
	}
	return p
}
