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
	"github.com/camsdesk/camsdesk/receiver"
)

// Paging of the punches table: rows per page and pages held (a screen shows about one page).
const (
	punchPageSize  = 100
	punchPagesKept = 6
)

// Delays of the punches screen: typing settles before a query, live punches are gathered before a reload.
var (
	filterSettle = 250 * time.Millisecond
	liveSettle   = 700 * time.Millisecond
)

const (
	allPunchTypes = "All types"
	allPunchDevs  = "All devices"
	photoMarker   = "yes"
)

// punchTypes are the punch types devices send, for the type filter.
var punchTypes = []string{"CheckIn", "CheckOut", "BreakOut", "BreakIn", "OverTimeIn", "OverTimeOut", "MealIn", "MealOut"}

var punchColumns = []struct {
	title string
	width float32
}{{"Local time", 160}, {"User ID", 80}, {"Name", 170}, {"Type", 100}, {"Input", 95}, {"Temp.", 60},
	{"Mask", 55}, {"Device", 140}, {"Source", 80}, {"Photo", 55}}

// punchesScreen lists punches newest first from the store, one page at a time, with filters, a count,
// Fetch from device, live rows and export.
type punchesScreen struct {
	svc *Services
	win fyne.Window

	filter  data.PunchFilter
	pages   *pageCache[data.PunchRow]
	devices *deviceChoice
	settle  *time.Timer
	live    bool // a live reload is scheduled

	from, to, user, text *widget.Entry
	deviceSel, typeSel   *widget.Select
	count, problem       *widget.Label
	table                *widget.Table
	fetchBtn             *widget.Button
	csvBtn, xlsxBtn      *widget.Button
	job                  *jobStrip
	box                  fyne.CanvasObject
}

func newPunchesScreen(svc *Services, win fyne.Window) *punchesScreen {
	s := &punchesScreen{svc: svc, win: win, count: widget.NewLabel(""), problem: problemLabel(), job: newJobStrip()}
	s.pages = newPageCache[data.PunchRow](svc, punchPageSize, punchPagesKept) // reload sets the queries
	s.pages.changed = s.onPagesChanged
	s.pages.failed = func(err error) { showProblem(s.problem, fmt.Errorf("the punches could not be read: %w", err)) }

	s.from = s.dateEntry("from YYYY-MM-DD")
	s.to = s.dateEntry("to YYYY-MM-DD")
	s.user = widget.NewEntry()
	s.user.SetPlaceHolder("user id")
	s.user.OnChanged = func(string) { s.onFilterTyped() }
	s.text = widget.NewEntry()
	s.text.SetPlaceHolder("search names, ids, types")
	s.text.OnChanged = func(string) { s.onFilterTyped() }
	s.devices = newDeviceChoice(svc, s.onFilterChanged)
	s.devices.failed = func(err error) { showProblem(s.problem, err) }
	s.deviceSel = s.devices.sel
	s.typeSel = widget.NewSelect(append([]string{allPunchTypes}, punchTypes...), func(string) { s.onFilterChanged() })
	s.typeSel.SetSelected(allPunchTypes)

	s.table = newHeaderTable(len(punchColumns), func(col int) (string, float32) { return punchColumns[col].title, punchColumns[col].width },
		s.pages.length, s.updateCell)
	s.table.OnSelected = s.onSelected

	s.fetchBtn = widget.NewButton("Fetch from device…", s.onFetch)
	s.csvBtn = widget.NewButton("Export CSV…", func() { s.onExport(export.CSV) })
	s.xlsxBtn = widget.NewButton("Export XLSX…", func() { s.onExport(export.XLSX) })
	s.job.changed = func(running bool) {
		for _, b := range []*widget.Button{s.fetchBtn, s.csvBtn, s.xlsxBtn} {
			if running {
				b.Disable()
			} else {
				b.Enable()
			}
		}
	}

	filters := container.NewGridWithColumns(5, s.from, s.to, s.user, s.deviceSel, s.typeSel)
	search := container.NewBorder(nil, nil, nil, container.NewHBox(s.count, s.fetchBtn, s.csvBtn, s.xlsxBtn), s.text)
	top := container.NewVBox(filters, search, s.problem)
	s.box = container.NewBorder(top, s.job.box, nil, nil, s.table)

	svc.OnEvents(s.onEvents)
	s.devices.load()
	s.reload(true)
	return s
}

func (s *punchesScreen) content() fyne.CanvasObject { return s.box }

func (s *punchesScreen) shown() { s.devices.load() }

func (s *punchesScreen) dateEntry(placeholder string) *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(placeholder)
	e.Validator = func(v string) error {
		if _, err := parseFilterDate(v); err != nil {
			return err
		}
		return nil
	}
	e.OnChanged = func(string) { s.onFilterTyped() }
	return e
}

// parseFilterDate reads a YYYY-MM-DD date; "" is no date.
func parseFilterDate(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	if _, err := time.Parse(data.DateLayout, v); err != nil {
		return "", fmt.Errorf("write the date as YYYY-MM-DD, e.g. %s", time.Now().Format(data.DateLayout))
	}
	return v, nil
}

// onFilterTyped waits for typing to settle before querying.
func (s *punchesScreen) onFilterTyped() {
	if s.settle != nil {
		s.settle.Stop()
	}
	s.settle = time.AfterFunc(filterSettle, func() { s.svc.onUI(s.onFilterChanged) })
}

// onFilterChanged applies the filters; an invalid date is shown and nothing is queried.
func (s *punchesScreen) onFilterChanged() {
	if s.table == nil { // the selects fire while the screen is being built
		return
	}
	f, err := s.currentFilter()
	if err != nil {
		showProblem(s.problem, err)
		return
	}
	showProblem(s.problem, nil)
	if f == s.filter {
		return
	}
	s.filter = f
	s.reload(true)
}

func (s *punchesScreen) currentFilter() (data.PunchFilter, error) {
	var f data.PunchFilter
	var err error
	if f.FromDate, err = parseFilterDate(s.from.Text); err != nil {
		return f, fmt.Errorf("From date: %w", err)
	}
	if f.ToDate, err = parseFilterDate(s.to.Text); err != nil {
		return f, fmt.Errorf("To date: %w", err)
	}
	if f.FromDate != "" && f.ToDate != "" && f.ToDate < f.FromDate {
		return f, fmt.Errorf("the To date %s is before the From date %s", f.ToDate, f.FromDate)
	}
	f.UserID = strings.TrimSpace(s.user.Text)
	f.Text = strings.TrimSpace(s.text.Text)
	if t := s.typeSel.Selected; t != allPunchTypes {
		f.Type = t
	}
	f.DeviceID = s.devices.id()
	return f, nil
}

// reload reads the count and the pages on screen again; clear drops the rows shown (a new filter).
func (s *punchesScreen) reload(clear bool) {
	filter := s.filter
	s.pages.fetchAt = func(ctx context.Context, at pageAt[data.PunchRow]) ([]data.PunchRow, error) {
		return s.svc.Store.Punches(ctx, punchPageFilter(filter, at))
	}
	s.pages.count = func(ctx context.Context) (int64, error) { return s.svc.Store.CountPunches(ctx, filter) }
	if clear {
		s.table.ScrollToTop()
		s.table.UnselectAll()
	}
	s.pages.reset(clear)
}

// punchPageFilter reads a page from the row next to it when that is held (no rows skipped), else by
// offset, from the oldest end when the offset is past the middle of the count.
func punchPageFilter(f data.PunchFilter, at pageAt[data.PunchRow]) data.PunchFilter {
	f.Limit = at.limit
	switch {
	case at.prev != nil:
		f.After = at.prev.Key()
	case at.next != nil:
		f.Before = at.next.Key()
	default:
		f.Offset = at.offset
		f.Total = int64(max(at.total, 0))
	}
	return f
}

func (s *punchesScreen) onPagesChanged() {
	s.table.Refresh()
	switch {
	case s.pages.total >= 0:
		s.count.SetText(rowsText(int64(s.pages.total), "punches"))
	default:
		s.count.SetText("Counting…")
	}
}

func (s *punchesScreen) updateCell(id widget.TableCellID, l *widget.Label) {
	r, ok := s.pages.row(id.Row)
	if !ok {
		if id.Col == 0 {
			setCell(l, "…")
		} else {
			setCell(l, "")
		}
		return
	}
	setCell(l, punchCell(r, id.Col))
}

// setCell changes a table cell's text only when it differs: laying text out is what a refresh costs.
func setCell(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}

// punchCell is the text of one column of a punch row.
func punchCell(r data.PunchRow, col int) string {
	switch col {
	case 0:
		return r.Local
	case 1:
		return r.UserID
	case 2:
		return export.PersonName(r.FirstName, r.LastName)
	case 3:
		return r.Type
	case 4:
		return r.InputType
	case 5:
		if r.Temperature != nil {
			return strconv.FormatFloat(*r.Temperature, 'f', 1, 64)
		}
	case 6:
		if r.FaceMask != nil {
			return export.YesNo(*r.FaceMask)
		}
	case 7:
		return r.DeviceName
	case 8:
		return r.Source
	case 9:
		if r.PhotoPath != "" {
			return photoMarker
		}
	}
	return ""
}

// onSelected opens the punch's photo, when it has one.
func (s *punchesScreen) onSelected(id widget.TableCellID) {
	r, ok := s.pages.row(id.Row)
	if !ok || r.PhotoPath == "" {
		return
	}
	showPhoto(s.svc, s.win, r.PhotoPath, fmt.Sprintf("%s · user %s · %s", r.Local, r.UserID, r.DeviceName))
}

// onEvents schedules one reload for punches that arrived by callback while the screen is open.
func (s *punchesScreen) onEvents(evs []receiver.Event) {
	for _, ev := range evs {
		if ev.NewPunches > 0 {
			s.scheduleLive()
			return
		}
	}
}

// scheduleLive gathers new punches for a moment, then reloads the pages on screen (keeping their rows
// until the new ones arrive) and the count.
func (s *punchesScreen) scheduleLive() {
	if s.live {
		return
	}
	s.live = true
	time.AfterFunc(liveSettle, func() {
		s.svc.onUI(func() {
			s.live = false
			s.reload(false)
		})
	})
}

// onExport exports the filtered punches to a file the user chooses.
func (s *punchesScreen) onExport(f export.Format) {
	plan := s.exportPlan()
	chooseExportFile(s.win, plan.name, f, func(path string, w fyne.URIWriteCloser) {
		runExport(s.svc, s.job, plan, f, path, w)
	})
}

// exportPlan writes the punches of the filter in force, oldest first.
func (s *punchesScreen) exportPlan() exportPlan {
	filter := s.filter
	total := int64(max(s.pages.total, 0))
	return exportPlan{
		name: exportName("punches", filter.FromDate, filter.ToDate), sheet: "Punches", columns: export.PunchColumns,
		total: total, noun: "punches",
		write: func(ctx context.Context, w export.Writer, progress func(int64)) (int64, error) {
			return export.Punches(ctx, s.svc.Store, filter, w, progress)
		},
	}
}
