package ui

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// fetchDays is the range Fetch from device offers first: the last week.
const fetchDays = 7

// onFetch asks for a device and a range of its local dates, then reads them with LoadLog.
func (s *punchesScreen) onFetch() {
	var names []string
	for _, p := range s.svc.Config.Devices {
		names = append(names, p.Name)
	}
	if len(names) == 0 {
		dialog.ShowInformation("No device", "Add a device on the Devices screen first.", s.win)
		return
	}
	devSel := widget.NewSelect(names, nil)
	if p, ok := s.svc.Config.Default(); ok {
		devSel.SetSelected(p.Name)
	} else {
		devSel.SetSelected(names[0])
	}
	today := time.Now()
	from, to := widget.NewEntry(), widget.NewEntry()
	from.SetText(today.AddDate(0, 0, -(fetchDays - 1)).Format(data.DateLayout))
	to.SetText(today.Format(data.DateLayout))
	for _, e := range []*widget.Entry{from, to} {
		e.Validator = func(v string) error {
			if _, err := time.Parse(data.DateLayout, v); err != nil {
				return errors.New("YYYY-MM-DD")
			}
			return nil
		}
	}
	items := []*widget.FormItem{
		widget.NewFormItem("Device", devSel),
		widget.NewFormItem("From", from),
		widget.NewFormItem("To", to),
	}
	items[1].HintText = "device-local dates; long ranges are read 30 days at a time"
	d := dialog.NewForm("Fetch punches from a device", "Fetch", "Cancel", items, func(ok bool) {
		if !ok {
			return
		}
		p, found := s.svc.Profile(devSel.Selected)
		if !found {
			showProblem(s.problem, fmt.Errorf("choose a device"))
			return
		}
		if err := s.startFetch(p, from.Text, to.Text); err != nil {
			showProblem(s.problem, err)
		}
	}, s.win)
	d.Resize(fyne.NewSize(460, 300))
	d.Show()
}

// fetchOutcome is what a Fetch from device did.
type fetchOutcome struct {
	sum          device.LoadSummary
	added, dups  int
	skipped      int
	skipErr, err error
	device       string
	from, to     string
	took         time.Duration
}

// startFetch reads the punches of p's local dates from..to with LoadLog and stores them while it reads, in
// commits of many pages (duplicates are counted, never doubled); new rows show while it runs.
func (s *punchesScreen) startFetch(p device.Profile, fromDate, toDate string) error {
	zone, err := p.Location()
	if err != nil {
		return fmt.Errorf("the time zone of %q: %w; correct it on the Devices screen", p.Name, err)
	}
	from, err := time.ParseInLocation(data.DateLayout, fromDate, zone)
	if err != nil {
		return fmt.Errorf("From date: write it as YYYY-MM-DD")
	}
	last, err := time.ParseInLocation(data.DateLayout, toDate, zone)
	if err != nil {
		return fmt.Errorf("To date: write it as YYYY-MM-DD")
	}
	if last.Before(from) {
		return fmt.Errorf("the To date %s is before the From date %s", toDate, fromDate)
	}
	to := last.AddDate(0, 0, 1).Add(-time.Second)
	client, err := s.svc.Client(p)
	if err != nil {
		return fmt.Errorf("the settings of %q are incomplete: %s; correct them on the Devices screen", p.Name, problemList(err))
	}
	ctx := s.job.start(fmt.Sprintf("Fetching punches of %s to %s from %s…", fromDate, toDate, p.Name), false)
	if ctx == nil {
		return errors.New("wait for the running fetch or export to finish")
	}
	showProblem(s.problem, nil)
	tick := &throttle{svc: s.svc, interval: 100 * time.Millisecond}
	background(s.svc, func() fetchOutcome {
		out := fetchOutcome{device: p.Name, from: fromDate, to: toDate}
		dev, err := s.svc.Store.EnsureDevice(ctx, p.STGID, p.Name)
		if err != nil {
			out.err = err
			return out
		}
		started := time.Now()
		var added atomic.Int64
		progress := func(pr device.LoadProgress) {
			n := int(added.Load())
			tick.do(func() { s.job.progress(fetchFraction(pr), fetchText(pr, n)) })
		}
		imp := receiver.LoadLogImport{Store: s.svc.Store, DeviceID: dev.ID, Zone: zone, Stored: func(sum data.Summary) {
			added.Add(int64(sum.NewPunches))
			if sum.NewPunches > 0 {
				s.svc.onUI(s.scheduleLive)
			}
		}}
		var res receiver.LoadLogResult
		res, out.err = imp.Run(ctx, client, from, to, progress)
		out.sum, out.added, out.dups = res.LoadSummary, res.New, res.Duplicate
		out.skipped, out.skipErr = res.Skipped, res.FirstSkip
		out.took = time.Since(started)
		return out
	}, s.fetchDone)
	return nil
}

func (s *punchesScreen) fetchDone(o fetchOutcome) {
	text := fmt.Sprintf("%s, %s to %s: %s read, %s new, %s already stored in %s", o.device, o.from, o.to,
		rowsText(int64(o.sum.Rows), "punches"), thousands(int64(o.added)), thousands(int64(o.dups)),
		o.took.Round(100*time.Millisecond))
	if o.skipped > 0 {
		text += fmt.Sprintf("; %d unreadable rows skipped (%s)", o.skipped, shortError(o.skipErr))
	}
	if o.sum.OffsetIgnored {
		text += "; the gateway ignored paging, so some punches may be missing: fetch shorter ranges"
	}
	err := o.err
	if err != nil && !errors.Is(err, context.Canceled) {
		err = fmt.Errorf("the fetch from %s stopped: %w (%s)", o.device, err, text)
	}
	s.job.finish(text+".", err)
	s.reload(false)
	s.devices.load()
}

// fetchFraction is how far a LoadLog is: whole windows done, plus the part of this one read when the
// gateway said how many rows it has.
func fetchFraction(pr device.LoadProgress) float64 {
	if pr.Windows <= 0 {
		return 0
	}
	within := 0.5
	if pr.WindowTotal > 0 {
		within = float64(pr.WindowRows) / float64(pr.WindowTotal)
	}
	return (float64(pr.Window-1) + min(within, 1)) / float64(pr.Windows)
}

func fetchText(pr device.LoadProgress, added int) string {
	text := fmt.Sprintf("Range %d of %d, page %d: %s read, %s new", pr.Window, pr.Windows, pr.Page,
		rowsText(int64(pr.Rows), "punches"), thousands(int64(added)))
	if pr.WindowTotal >= 0 {
		text += fmt.Sprintf(" (this range has %s)", thousands(int64(pr.WindowTotal)))
	}
	return text + "…"
}
