package ui

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/export"
	"github.com/camsdesk/camsdesk/data/timesheet"
)

var timesheetColumns = []struct {
	title string
	width float32
}{{"Date", 95}, {"Device", 120}, {"User ID", 70}, {"Name", 150}, {"First in", 150}, {"Last out", 150},
	{"Worked", 65}, {"Punches", 65}, {"Late", 55}, {"Early", 55}, {"Marks", 160}}

// timesheetScreen shows first in, last out and worked hours per user per working day, marks the days
// that need a look, and exports the report.
type timesheetScreen struct {
	svc *Services
	win fyne.Window

	report  *timesheet.Report
	visible []int // indexes into report.Days that pass "only days needing a look"
	devices *deviceChoice

	from, to, user                 *widget.Entry
	shiftStart, shiftEnd, dayStart *widget.Entry
	grace                          *widget.Entry
	deviceSel                      *widget.Select
	onlyMarked                     *widget.Check
	summary, problem               *widget.Label
	table                          *widget.Table
	buildBtn, saveShift            *widget.Button
	csvBtn, xlsxBtn                *widget.Button
	job                            *jobStrip
	box                            fyne.CanvasObject
}

func newTimesheetScreen(svc *Services, win fyne.Window) *timesheetScreen {
	s := &timesheetScreen{svc: svc, win: win, summary: widget.NewLabel(""), problem: problemLabel(), job: newJobStrip()}
	now := time.Now()
	s.from = textEntry(time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.Local).Format(data.DateLayout))
	s.to = textEntry(now.Format(data.DateLayout))
	s.user = textEntry("")
	s.user.SetPlaceHolder("all users")
	s.shiftStart = textEntry(orDefault(svc.Config.ShiftStart, data.DefaultShiftStart))
	s.shiftEnd = textEntry(orDefault(svc.Config.ShiftEnd, data.DefaultShiftEnd))
	s.grace = textEntry("0")
	s.dayStart = textEntry(timesheet.DefaultDayStart)
	s.devices = newDeviceChoice(svc, nil)
	s.devices.failed = func(err error) { showProblem(s.problem, err) }
	s.deviceSel = s.devices.sel
	s.onlyMarked = widget.NewCheck("Only days needing a look", func(bool) { s.applyView() })

	s.table = newHeaderTable(len(timesheetColumns), func(col int) (string, float32) {
		return timesheetColumns[col].title, timesheetColumns[col].width
	}, func() int { return len(s.visible) }, s.updateCell)

	s.buildBtn = widget.NewButton("Build", s.onBuild)
	s.buildBtn.Importance = widget.HighImportance
	s.saveShift = widget.NewButton("Save shift as default", s.onSaveShift)
	s.csvBtn = widget.NewButton("Export CSV…", func() { s.onExport(export.CSV) })
	s.xlsxBtn = widget.NewButton("Export XLSX…", func() { s.onExport(export.XLSX) })
	s.job.changed = func(running bool) { s.updateButtons(running) }
	s.updateButtons(false)

	form := container.NewGridWithColumns(4,
		labelled("From", s.from), labelled("To", s.to), labelled("Device", s.deviceSel), labelled("User", s.user),
		labelled("Shift start", s.shiftStart), labelled("Shift end", s.shiftEnd),
		labelled("Grace (min)", s.grace), labelled("Day starts at", s.dayStart))
	actions := container.NewHBox(s.buildBtn, s.onlyMarked, s.saveShift, s.csvBtn, s.xlsxBtn)
	top := container.NewVBox(form, container.NewBorder(nil, nil, actions, nil, s.summary), s.problem)
	s.box = container.NewBorder(top, s.job.box, nil, nil, s.table)
	s.devices.load()
	s.onBuild()
	return s
}

func (s *timesheetScreen) content() fyne.CanvasObject { return s.box }

func (s *timesheetScreen) shown() { s.devices.load() }

// labelled puts a label before a field.
func labelled(label string, field fyne.CanvasObject) fyne.CanvasObject {
	return container.NewBorder(nil, nil, widget.NewLabel(label), nil, field)
}

func textEntry(text string) *widget.Entry {
	e := widget.NewEntry()
	e.SetText(text)
	return e
}

func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}

func (s *timesheetScreen) updateButtons(running bool) {
	for _, b := range []*widget.Button{s.buildBtn, s.csvBtn, s.xlsxBtn} {
		if running || (b != s.buildBtn && (s.report == nil || len(s.report.Days) == 0)) {
			b.Disable()
		} else {
			b.Enable()
		}
	}
}

// options reads the form; problems are reported together.
func (s *timesheetScreen) options() (timesheet.Options, error) {
	o := timesheet.Options{
		From: strings.TrimSpace(s.from.Text), To: strings.TrimSpace(s.to.Text), UserID: strings.TrimSpace(s.user.Text),
		ShiftStart: strings.TrimSpace(s.shiftStart.Text), ShiftEnd: strings.TrimSpace(s.shiftEnd.Text),
		DayStart: strings.TrimSpace(s.dayStart.Text),
	}
	if g := strings.TrimSpace(s.grace.Text); g != "" {
		m, err := strconv.Atoi(g)
		if err != nil || m < 0 {
			return o, fmt.Errorf("grace: write whole minutes, e.g. 5")
		}
		o.Grace = time.Duration(m) * time.Minute
	}
	o.DeviceID = s.devices.id()
	return o, o.Validate()
}

type timesheetBuilt struct {
	report *timesheet.Report
	err    error
	took   time.Duration
}

// onBuild builds the report off the UI goroutine; Cancel stops it.
func (s *timesheetScreen) onBuild() {
	o, err := s.options()
	if err != nil {
		showProblem(s.problem, err)
		return
	}
	showProblem(s.problem, nil)
	ctx := s.job.start(fmt.Sprintf("Building the timesheet of %s to %s…", o.From, o.To), true)
	if ctx == nil {
		return
	}
	background(s.svc, func() timesheetBuilt {
		started := time.Now()
		rep, err := timesheet.Build(ctx, s.svc.Store, o)
		return timesheetBuilt{rep, err, time.Since(started)}
	}, func(b timesheetBuilt) {
		if b.err != nil {
			s.job.finish("The previous report stays.", b.err)
			return
		}
		s.report = b.report
		s.applyView()
		s.job.finish(fmt.Sprintf("Built in %s.", b.took.Round(10*time.Millisecond)), nil)
	})
}

// applyView shows the report's days, or only those needing a look, and sums them up.
func (s *timesheetScreen) applyView() {
	s.visible = s.visible[:0]
	if s.report == nil {
		s.table.Refresh()
		return
	}
	var marked, late, early int
	for i, d := range s.report.Days {
		look := d.Marked() || d.Late > 0 || d.Early > 0
		if d.Marked() {
			marked++
		}
		if d.Late > 0 {
			late++
		}
		if d.Early > 0 {
			early++
		}
		if !s.onlyMarked.Checked || look {
			s.visible = append(s.visible, i)
		}
	}
	o := s.report.Options
	s.summary.SetText(fmt.Sprintf("%s to %s: %s · %d marked · %d late · %d early · %s", o.From, o.To,
		rowsText(int64(len(s.report.Days)), "days"), marked, late, early, rowsText(s.report.Punches, "punches")))
	s.table.ScrollToTop()
	s.table.Refresh()
	s.updateButtons(s.job.running)
}

func (s *timesheetScreen) updateCell(id widget.TableCellID, l *widget.Label) {
	if s.report == nil || id.Row < 0 || id.Row >= len(s.visible) {
		setCell(l, "")
		return
	}
	d := s.report.Days[s.visible[id.Row]]
	imp := widget.MediumImportance
	text := ""
	switch id.Col {
	case 0:
		text = d.Date
	case 1:
		text = d.DeviceName
	case 2:
		text = d.UserID
	case 3:
		text = d.Name()
	case 4:
		text = d.FirstIn
	case 5:
		text = orDash(d.LastOut)
	case 6:
		text = timesheet.HoursMinutes(d.Worked)
	case 7:
		text = strconv.Itoa(d.Punches)
	case 8:
		if d.Late > 0 {
			text, imp = timesheet.HoursMinutes(d.Late), widget.DangerImportance
		}
	case 9:
		if d.Early > 0 {
			text, imp = timesheet.HoursMinutes(d.Early), widget.DangerImportance
		}
	case 10:
		text = export.Marks(d)
		if d.Marked() {
			imp = widget.WarningImportance
		}
	}
	if l.Importance != imp {
		l.Importance = imp
		l.Refresh()
	}
	setCell(l, text)
}

// onSaveShift makes the shift in the form the default for the timesheet here and in camsd.
func (s *timesheetScreen) onSaveShift() {
	start, end := strings.TrimSpace(s.shiftStart.Text), strings.TrimSpace(s.shiftEnd.Text)
	err := s.svc.UpdateConfig(func(c *data.Config) error {
		c.ShiftStart, c.ShiftEnd = start, end
		return nil
	})
	if err != nil {
		showProblem(s.problem, fmt.Errorf("the shift was not saved: %w", err))
		return
	}
	showProblem(s.problem, nil)
	s.summary.SetText(fmt.Sprintf("Shift %s–%s saved as the default.", start, end))
}

func (s *timesheetScreen) onExport(f export.Format) {
	if s.report == nil {
		return
	}
	plan := s.exportPlan()
	chooseExportFile(s.win, plan.name, f, func(path string, w fyne.URIWriteCloser) {
		runExport(s.svc, s.job, plan, f, path, w)
	})
}

// exportPlan writes the days shown (all of them, or only those needing a look).
func (s *timesheetScreen) exportPlan() exportPlan {
	days := make([]timesheet.Day, 0, len(s.visible))
	for _, i := range s.visible {
		days = append(days, s.report.Days[i])
	}
	o := s.report.Options
	return exportPlan{
		name: exportName("timesheet", o.From, o.To), sheet: "Timesheet", columns: export.TimesheetColumns,
		total: int64(len(days)), noun: "days",
		write: func(ctx context.Context, w export.Writer, progress func(int64)) (int64, error) {
			return int64(len(days)), export.Timesheet(ctx, w, days, progress)
		},
	}
}
