package ui

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// answerView shows the gateway's answer to a call: status, meaning, what to do, and the pretty JSON.
type answerView struct {
	status *widget.Label
	hint   *widget.Label
	meta   *widget.Label
	grid   *widget.TextGrid
	box    fyne.CanvasObject
}

func newAnswerView() *answerView {
	a := &answerView{status: widget.NewLabel("No answer yet: choose an operation and press Send."),
		hint: widget.NewLabel(""), meta: widget.NewLabel(""), grid: widget.NewTextGrid()}
	a.status.TextStyle = fyne.TextStyle{Bold: true}
	a.status.Wrapping = fyne.TextWrapWord
	a.hint.Wrapping = fyne.TextWrapWord
	a.meta.Importance = widget.LowImportance
	a.meta.Truncation = fyne.TextTruncateEllipsis
	a.grid.Scroll = fyne.ScrollBoth // a long answer scrolls instead of growing the window
	a.box = container.NewBorder(container.NewVBox(a.status, a.hint, a.meta), nil, nil, nil, a.grid)
	return a
}

// showResult shows a finished call of op: its status and explanation, or why it failed.
func (a *answerView) showResult(op device.Operation, res *device.Result, err error) {
	var ce *device.CallError
	switch {
	case err == nil && res != nil:
		a.setStatus(fmt.Sprintf("✓ %s", res.Status.Describe()), widget.SuccessImportance)
		a.hint.SetText(res.Status.Hint)
		if !op.Queued {
			a.hint.SetText("The device answered; its answer is below.")
		}
	case errors.As(err, &ce):
		a.setStatus("✗ "+ce.Cause, widget.DangerImportance)
		a.hint.SetText(ce.Hint)
	case err != nil:
		a.setStatus("✗ "+err.Error(), widget.DangerImportance)
		a.hint.SetText("")
	}
	a.meta.SetText(resultMeta(res))
	if res != nil && len(res.RawResponse) > 0 {
		a.grid.SetText(answerJSON(res.RawResponse))
	} else {
		a.grid.SetText("")
	}
}

// showExchange shows a stored call from the history.
func (a *answerView) showExchange(x data.Exchange) {
	st := device.LookupStatus(x.StatusCode)
	switch {
	case x.Error != "":
		a.setStatus("✗ "+x.Error, widget.DangerImportance)
	case x.StatusCode == 0:
		a.setStatus("✓ "+st.Describe(), widget.SuccessImportance)
	default:
		a.setStatus("✗ "+st.Describe(), widget.DangerImportance)
	}
	if x.StatusCode >= 0 {
		a.hint.SetText(st.Hint)
	} else {
		a.hint.SetText("")
	}
	a.meta.SetText(fmt.Sprintf("%s · sent %s · operation id %s · %d ms", x.Operation,
		x.StartedAt.Local().Format("2006-01-02 15:04:05"), orDash(x.OperationID), x.DurationMS))
	a.grid.SetText(answerJSON([]byte(x.Response)))
}

// showBusy says that a call is on its way.
func (a *answerView) showBusy(op device.Operation, deviceName string) {
	a.setStatus(fmt.Sprintf("Sending %s to %s…", op.Title, deviceName), widget.MediumImportance)
	a.hint.SetText("")
	a.meta.SetText("")
	a.grid.SetText("")
}

// showProblem says why nothing was sent.
func (a *answerView) showProblem(err error) {
	a.setStatus("Not sent: "+err.Error(), widget.WarningImportance)
	a.hint.SetText("")
	a.meta.SetText("")
	a.grid.SetText("")
}

func (a *answerView) setStatus(text string, imp widget.Importance) {
	a.status.Importance = imp
	a.status.SetText(text)
}

func resultMeta(res *device.Result) string {
	if res == nil {
		return ""
	}
	parts := []string{res.Operation}
	if res.OperationID != "" {
		parts = append(parts, "operation id "+res.OperationID)
	}
	if res.HTTPStatus != 0 {
		parts = append(parts, fmt.Sprintf("HTTP %d", res.HTTPStatus))
	}
	parts = append(parts, res.Duration.Round(time.Millisecond).String())
	if res.Attempts > 1 {
		parts = append(parts, fmt.Sprintf("%d tries (the gateway was busy)", res.Attempts))
	}
	return strings.Join(parts, " · ")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}
