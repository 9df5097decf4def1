package ui

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/device"
)

// paramField is the form widget of one operation parameter.
type paramField interface {
	object() fyne.CanvasObject
	value() string
	// setValue shows v without calling the change handler.
	setValue(v string)
	// setProblem shows why the value is refused, or clears it with nil.
	setProblem(err error)
}

// fieldHost is what a field needs from its editor.
type fieldHost struct {
	changed  func()                                       // called after the user changes a value
	pickBlob func(kind device.ParamKind, done func(blob)) // stored-user template picker; nil hides the button
	pickJPEG func(done func([]byte))                      // JPEG file picker; nil hides the button
	win      fyne.Window
}

// blob is template data picked for a field, with the index it had.
type blob struct {
	data, index string
}

// newParamField picks the widget for p's kind.
func newParamField(p device.Param, host fieldHost) paramField {
	switch p.Kind {
	case device.ParamUserType, device.ParamChoice:
		if len(p.Choices) > 0 {
			return newChoiceField(p, host)
		}
	case device.ParamDateTime:
		return newDateTimeField(p, host)
	case device.ParamFingerprint, device.ParamFace, device.ParamPalm, device.ParamPhoto:
		return newBlobField(p, host)
	}
	return newTextField(p, host)
}

// textField is a one-line entry: names, user ids, card numbers, PINs, indexes.
type textField struct {
	entry *widget.Entry
	quiet bool
}

func newTextField(p device.Param, host fieldHost) *textField {
	f := &textField{entry: widget.NewEntry()}
	f.entry.SetPlaceHolder(p.Sample)
	f.entry.AlwaysShowValidationError = true
	f.entry.OnChanged = func(string) {
		if !f.quiet {
			host.changed()
		}
	}
	return f
}

func (f *textField) object() fyne.CanvasObject { return f.entry }
func (f *textField) value() string             { return f.entry.Text }
func (f *textField) setValue(v string) {
	f.quiet = true
	f.entry.SetText(v)
	f.quiet = false
}
func (f *textField) setProblem(err error) { f.entry.SetValidationError(err) }

// choiceField is a select of the parameter's choices; a value from the JSON editor that is not a choice is
// added so that it stays visible.
type choiceField struct {
	sel     *widget.Select
	problem *widget.Label
	quiet   bool
}

func newChoiceField(p device.Param, host fieldHost) *choiceField {
	f := &choiceField{problem: problemLabel()}
	f.sel = widget.NewSelect(append([]string{}, p.Choices...), func(string) {
		if !f.quiet {
			host.changed()
		}
	})
	return f
}

func (f *choiceField) object() fyne.CanvasObject { return container.NewVBox(f.sel, f.problem) }
func (f *choiceField) value() string             { return f.sel.Selected }
func (f *choiceField) setValue(v string) {
	f.quiet = true
	defer func() { f.quiet = false }()
	if v == "" {
		f.sel.ClearSelected()
		return
	}
	for _, o := range f.sel.Options {
		if strings.EqualFold(o, v) {
			f.sel.SetSelected(o)
			return
		}
	}
	f.sel.Options = append(f.sel.Options, v)
	f.sel.SetSelected(v)
}
func (f *choiceField) setProblem(err error) { showProblem(f.problem, err) }

// dateTimeField is a device-local date and time typed as text, with a calendar to pick the date.
type dateTimeField struct {
	entry *widget.Entry
	pick  *widget.Button
	quiet bool
	host  fieldHost
	// defaultClock is the time of day a picked date gets when the entry has none.
	defaultClock string
}

func newDateTimeField(p device.Param, host fieldHost) *dateTimeField {
	f := &dateTimeField{entry: widget.NewEntry(), host: host, defaultClock: "00:00:00"}
	if strings.HasSuffix(p.Sample, "23:59:59") {
		f.defaultClock = "23:59:59"
	}
	f.entry.SetPlaceHolder(device.WallLayout)
	f.entry.AlwaysShowValidationError = true
	f.entry.OnChanged = func(string) {
		if !f.quiet {
			host.changed()
		}
	}
	f.pick = widget.NewButtonWithIcon("", theme.CalendarIcon(), f.onPickDate)
	return f
}

func (f *dateTimeField) object() fyne.CanvasObject {
	return container.NewBorder(nil, nil, nil, f.pick, f.entry)
}
func (f *dateTimeField) value() string { return f.entry.Text }
func (f *dateTimeField) setValue(v string) {
	f.quiet = true
	f.entry.SetText(v)
	f.quiet = false
}
func (f *dateTimeField) setProblem(err error) { f.entry.SetValidationError(err) }

// onPickDate opens a calendar; the picked date replaces the date and keeps the time of day.
func (f *dateTimeField) onPickDate() {
	if f.host.win == nil {
		return
	}
	start := time.Now()
	if t, err := time.Parse(device.WallLayout, strings.TrimSpace(f.entry.Text)); err == nil {
		start = t
	}
	var pop *widget.PopUp
	cal := widget.NewCalendar(start, func(d time.Time) {
		f.entry.SetText(withDate(f.entry.Text, d, f.defaultClock))
		pop.Hide()
	})
	pop = widget.NewPopUp(cal, f.host.win.Canvas())
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(f.pick)
	pop.ShowAtPosition(pos.Add(fyne.NewPos(0, f.pick.Size().Height)))
}

// withDate puts date d in front of the time of day of text, or of clock when text has none.
func withDate(text string, d time.Time, clock string) string {
	text = strings.TrimSpace(text)
	if _, rest, ok := strings.Cut(text, " "); ok && len(text) >= 10 {
		clock = rest
	}
	return d.Format("2006-01-02") + " " + clock
}

// blobField holds base64 template data, shown as a summary; it is picked from a JPEG file or a stored user,
// or typed in the JSON editor.
type blobField struct {
	kind    device.ParamKind
	data    string
	summary *widget.Label
	problem *widget.Label
	buttons *fyne.Container
	host    fieldHost
	// onIndex sets the index field that goes with this template, when a stored template is picked.
	onIndex func(string)
}

func newBlobField(p device.Param, host fieldHost) *blobField {
	f := &blobField{kind: p.Kind, summary: widget.NewLabel(""), problem: problemLabel(), host: host}
	f.summary.Truncation = fyne.TextTruncateEllipsis
	f.buttons = container.NewHBox()
	if isJPEGKind(p.Kind) && host.pickJPEG != nil {
		f.buttons.Add(widget.NewButtonWithIcon("JPEG file…", theme.FolderOpenIcon(), f.onPickFile))
	}
	if host.pickBlob != nil {
		f.buttons.Add(widget.NewButtonWithIcon("From a stored user…", theme.AccountIcon(), f.onPickStored))
	}
	f.show()
	return f
}

func isJPEGKind(k device.ParamKind) bool { return k == device.ParamFace || k == device.ParamPhoto }

func (f *blobField) object() fyne.CanvasObject {
	return container.NewVBox(container.NewBorder(nil, nil, nil, f.buttons, f.summary), f.problem)
}
func (f *blobField) value() string { return f.data }
func (f *blobField) setValue(v string) {
	f.data = v
	f.show()
}
func (f *blobField) setProblem(err error) { showProblem(f.problem, err) }

func (f *blobField) show() {
	f.summary.SetText(blobSummary(f.kind, f.data))
}

func (f *blobField) onPickFile() {
	f.host.pickJPEG(func(b []byte) {
		f.setValue(base64.StdEncoding.EncodeToString(b))
		f.host.changed()
	})
}

func (f *blobField) onPickStored() {
	f.host.pickBlob(f.kind, func(b blob) {
		f.setValue(b.data)
		if f.onIndex != nil && b.index != "" {
			f.onIndex(b.index)
		}
		f.host.changed()
	})
}

// blobSummary describes template data in a few words: "JPEG, 2.1 KB" or "fingerprint template, 48 bytes".
func blobSummary(kind device.ParamKind, data string) string {
	data = strings.TrimSpace(data)
	if data == "" {
		return "none yet"
	}
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil {
		return fmt.Sprintf("%d characters, not base64", len(data))
	}
	what := "template"
	switch kind {
	case device.ParamFace, device.ParamPhoto:
		what = "JPEG"
		if len(raw) < 2 || raw[0] != 0xFF || raw[1] != 0xD8 {
			what = "not a JPEG"
		}
	case device.ParamFingerprint:
		what = "fingerprint template"
	case device.ParamPalm:
		what = "palm template"
	}
	return what + ", " + byteSize(len(raw))
}

func byteSize(n int) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KB", float64(n)/1024)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
}

// problemLabel is a hidden red label for a field's problem.
func problemLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Importance = widget.DangerImportance
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

func showProblem(l *widget.Label, err error) {
	if err == nil {
		l.SetText("")
		l.Hide()
		return
	}
	l.SetText(err.Error())
	l.Show()
}
