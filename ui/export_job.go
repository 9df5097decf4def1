package ui

import (
	"context"
	"errors"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"
)

// jobStrip shows one long piece of work of a screen (a fetch, an export, a report): a progress bar, what
// is happening, and Cancel. Its methods run on the UI goroutine.
type jobStrip struct {
	bar       *widget.ProgressBar
	endless   *widget.ProgressBarInfinite
	text      *widget.Label
	cancelBtn *widget.Button
	box       *fyne.Container
	cancel    context.CancelFunc
	running   bool
	changed   func(running bool) // screens disable their buttons while a job runs
}

func newJobStrip() *jobStrip {
	j := &jobStrip{bar: widget.NewProgressBar(), endless: widget.NewProgressBarInfinite(), text: widget.NewLabel(""),
		changed: func(bool) {}}
	j.text.Truncation = fyne.TextTruncateEllipsis
	j.cancelBtn = widget.NewButton("Cancel", j.onCancel)
	j.bar.Hide()
	j.endless.Hide()
	j.endless.Stop()
	j.cancelBtn.Hide()
	j.box = container.NewBorder(nil, nil, nil, j.cancelBtn, container.NewVBox(container.NewStack(j.bar, j.endless), j.text))
	return j
}

// start shows the strip for work that reports progress (endless false) or does not, and returns the
// context that Cancel ends. A strip runs one job at a time: start returns nil while one runs.
func (j *jobStrip) start(text string, endless bool) context.Context {
	if j.running {
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	j.cancel, j.running = cancel, true
	j.text.Importance = widget.MediumImportance
	j.text.SetText(text)
	j.bar.SetValue(0)
	if endless {
		j.bar.Hide()
		j.endless.Show()
		j.endless.Start()
	} else {
		j.endless.Stop()
		j.endless.Hide()
		j.bar.Show()
	}
	j.cancelBtn.Enable()
	j.cancelBtn.Show()
	j.changed(true)
	return ctx
}

// progress moves the bar (0..1) and says what is happening.
func (j *jobStrip) progress(frac float64, text string) {
	if !j.running {
		return
	}
	j.bar.SetValue(min(max(frac, 0), 1))
	if text != "" {
		j.text.SetText(text)
	}
}

// finish ends the job and leaves its outcome in words: text on success, the error otherwise ("Cancelled."
// when Cancel ended it).
func (j *jobStrip) finish(text string, err error) {
	if j.cancel != nil {
		j.cancel()
	}
	j.running, j.cancel = false, nil
	j.endless.Stop()
	j.endless.Hide()
	j.bar.Hide()
	j.cancelBtn.Hide()
	switch {
	case errors.Is(err, context.Canceled):
		j.text.Importance = widget.WarningImportance
		j.text.SetText("Cancelled. " + text)
	case err != nil:
		j.text.Importance = widget.DangerImportance
		j.text.SetText(err.Error())
	default:
		j.text.Importance = widget.SuccessImportance
		j.text.SetText(text)
	}
	j.changed(false)
}

func (j *jobStrip) onCancel() {
	if j.cancel != nil {
		j.cancel()
		j.cancelBtn.Disable()
		j.text.SetText("Cancelling…")
	}
}

// throttle calls fn on the UI goroutine at most every interval (and never after stop), for progress
// reports that arrive faster than a screen can show them.
type throttle struct {
	svc      *Services
	interval time.Duration
	last     time.Time
}

func (t *throttle) do(fn func()) {
	if now := time.Now(); now.Sub(t.last) >= t.interval {
		t.last = now
		t.svc.onUI(fn)
	}
}

// singular is the one-of form of the plural nouns the screens count.
var singular = map[string]string{"punches": "punch", "photos": "photo", "users": "user", "days": "day"}

// rowsText is "1,234 punches" with thousands separated, "1 punch" for one.
func rowsText(n int64, plural string) string {
	if one, ok := singular[plural]; ok && n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%s %s", thousands(n), plural)
}

// thousands writes n with commas: 500000 → "500,000".
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
