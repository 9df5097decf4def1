package ui

import (
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// opEditor edits one operation's request two ways, kept in sync: a form of typed fields and the raw JSON.
// A form change rewrites the JSON; a JSON edit that parses fills the form.
type opEditor struct {
	op     device.Operation
	fields map[string]paramField
	form   *widget.Form
	raw    *widget.Entry
	// rawNote says what is wrong with the JSON, or what it will do when it is not this form's request.
	rawNote  *widget.Label
	formNote *widget.Label
	content  fyne.CanvasObject

	quiet   bool
	formErr error // why the form's values do not build a request
	rawErr  error // why the JSON cannot be sent
	// other is the catalogue operation the JSON is, when it is not op; nil when it is op or unknown.
	other *device.Operation
	// onState is called after every change, for the screen to update its Send button.
	onState func()
}

// sendPlan is what Send will do: send the form's request, or the JSON as written.
type sendPlan struct {
	op  device.Operation // the operation the body is (op of the editor when unidentified)
	req device.Request
	raw []byte // set when the JSON is sent as written
}

func newOpEditor(op device.Operation, host fieldHost) *opEditor {
	e := &opEditor{op: op, fields: map[string]paramField{}, rawNote: noteLabel(), formNote: noteLabel()}
	fieldsHost := host
	fieldsHost.changed = e.onFormChanged
	e.form = widget.NewForm()
	for _, p := range op.Params {
		f := newParamField(p, fieldsHost)
		e.fields[p.Name] = f
		label := p.Label
		if p.Required {
			label += " *"
		}
		hint := p.Help
		if hint == "" {
			hint = " "
		}
		e.form.Items = append(e.form.Items, &widget.FormItem{Text: label, Widget: f.object(), HintText: hint})
	}
	// A picked stored template brings its index along.
	for _, p := range op.Params {
		if bf, ok := e.fields[p.Name].(*blobField); ok {
			if idx, ok := e.fields[p.Name+"Index"]; ok {
				bf.onIndex = func(v string) { idx.setValue(v); e.onFormChanged() }
			}
		}
	}
	e.raw = widget.NewMultiLineEntry()
	e.raw.TextStyle = fyne.TextStyle{Monospace: true}
	e.raw.Wrapping = fyne.TextWrapOff
	e.raw.OnChanged = func(string) {
		if !e.quiet {
			e.onRawChanged()
		}
	}
	var formPart fyne.CanvasObject = container.NewVBox(e.form, e.formNote)
	if len(op.Params) == 0 {
		formPart = container.NewVBox(widget.NewLabel("This operation takes no parameters."), e.formNote)
	}
	split := container.NewHSplit(
		container.NewVScroll(container.NewPadded(formPart)),
		container.NewBorder(nil, e.rawNote, nil, nil, e.raw),
	)
	split.Offset = 0.5
	e.content = split
	e.setParams(op.Samples())
	return e
}

func noteLabel() *widget.Label {
	l := widget.NewLabel("")
	l.Wrapping = fyne.TextWrapWord
	l.Hide()
	return l
}

// params are the form's current values.
func (e *opEditor) params() device.Params {
	p := device.Params{}
	for name, f := range e.fields {
		p[name] = f.value()
	}
	return p
}

// setParams fills the form and rewrites the JSON from it.
func (e *opEditor) setParams(p device.Params) {
	for _, par := range e.op.Params {
		e.fields[par.Name].setValue(p[par.Name])
	}
	e.onFormChanged()
}

// setJSON replaces the JSON text and fills the form from it, as if typed.
func (e *opEditor) setJSON(text string) {
	e.quiet = true
	e.raw.SetText(text)
	e.quiet = false
	e.onRawChanged()
}

// onFormChanged builds the request from the form and rewrites the JSON.
func (e *opEditor) onFormChanged() {
	req, err := e.op.Build(e.params())
	e.formErr = err
	e.showFieldProblems(err)
	if err == nil {
		e.quiet = true
		e.raw.SetText(requestJSON(req))
		e.quiet = false
		e.rawErr, e.other = nil, nil
		showNote(e.rawNote, "", false)
	}
	e.changed()
}

// onRawChanged checks the JSON as it is typed and, when it is this operation's request, fills the form.
func (e *opEditor) onRawChanged() {
	e.other = nil
	if err := jsonProblem(e.raw.Text); err != nil {
		e.rawErr = err
		showNote(e.rawNote, "JSON: "+err.Error(), true)
		e.changed()
		return
	}
	req, err := device.DecodeRequest([]byte(e.raw.Text))
	if err != nil {
		e.rawErr = errors.New("the JSON does not have the shape of a Cams request: " + shortError(err))
		showNote(e.rawNote, e.rawErr.Error(), true)
		e.changed()
		return
	}
	e.rawErr = nil
	found, ok := device.Identify(req)
	switch {
	case !ok:
		showNote(e.rawNote, "This JSON is none of the 27 operations; Send sends it as written.", false)
	case found.Name != e.op.Name:
		e.other = &found
		showNote(e.rawNote, fmt.Sprintf("This JSON is the request of %q (#%d), not %q; Send sends it as written.",
			found.Title, found.Number, e.op.Title), false)
	default:
		showNote(e.rawNote, "", false)
		for name, v := range e.op.Extract(req) {
			if f, ok := e.fields[name]; ok {
				f.setValue(v)
			}
		}
		// Fields the JSON does not have are emptied, so that the form shows the JSON.
		extracted := e.op.Extract(req)
		for _, p := range e.op.Params {
			if _, ok := extracted[p.Name]; !ok {
				e.fields[p.Name].setValue("")
			}
		}
		_, err := e.op.Build(e.params())
		e.formErr = err
		e.showFieldProblems(err)
	}
	e.changed()
}

// showFieldProblems puts each problem of err under its field; problems of no field go under the form.
func (e *opEditor) showFieldProblems(err error) {
	byField := map[string]error{}
	var rest []string
	for _, fe := range data.FieldErrors(err) {
		if _, ok := e.fields[fe.Field]; ok {
			if byField[fe.Field] == nil {
				byField[fe.Field] = errors.New(fe.Msg)
			}
			continue
		}
		rest = append(rest, fe.Error())
	}
	for name, f := range e.fields {
		f.setProblem(byField[name])
	}
	switch {
	case len(rest) > 0:
		showNote(e.formNote, strings.Join(rest, "\n"), true)
	case err != nil:
		showNote(e.formNote, "Correct the marked fields.", true)
	default:
		showNote(e.formNote, "", false)
	}
}

func (e *opEditor) changed() {
	if e.onState != nil {
		e.onState()
	}
}

// plan says what Send would send, or why it cannot.
func (e *opEditor) plan() (sendPlan, error) {
	if e.rawErr != nil {
		return sendPlan{}, fmt.Errorf("the JSON has a problem: %w", e.rawErr)
	}
	body := []byte(e.raw.Text)
	if e.other != nil {
		return sendPlan{op: *e.other, raw: body}, nil
	}
	if e.formErr != nil {
		req, err := device.DecodeRequest(body)
		if _, ok := device.Identify(req); err == nil && !ok {
			return sendPlan{op: e.op, raw: body}, nil
		}
		return sendPlan{}, errors.New("the form has a problem: " + problemList(e.formErr))
	}
	req, _ := e.op.Build(e.params())
	if canon, err := prettyJSON(body, jsonOptions{dropTopKeys: stampKeys}); err != nil || canon != requestJSON(req) {
		return sendPlan{op: e.op, raw: body}, nil
	}
	return sendPlan{op: e.op, req: req}, nil
}

// destructive reports whether what Send would send erases data on the device.
func (e *opEditor) destructive() bool {
	if e.other != nil {
		return e.other.Destructive
	}
	return e.op.Destructive
}

// problemList is the field errors of err on one line.
func problemList(err error) string {
	var parts []string
	for _, fe := range data.FieldErrors(err) {
		parts = append(parts, fe.Error())
	}
	return strings.Join(parts, "; ")
}

func showNote(l *widget.Label, text string, problem bool) {
	if text == "" {
		l.SetText("")
		l.Hide()
		return
	}
	l.Importance = widget.MediumImportance
	if problem {
		l.Importance = widget.DangerImportance
	}
	l.SetText(text)
	l.Show()
}

// shortError is an error's text without the package prefix of a wrapped decoding error.
func shortError(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}
