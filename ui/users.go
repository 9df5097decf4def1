package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/export"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// Paging of the users table.
const (
	userPageSize  = 200
	userPagesKept = 4
)

var userColumns = []struct {
	title string
	width float32
}{{"Device", 130}, {"User ID", 80}, {"Name", 170}, {"Type", 70}, {"State", 90}, {"Templates", 300}}

var unknownColumns = []struct {
	title string
	width float32
}{{"Device", 150}, {"User ID", 90}, {"Punches", 80}, {"Last punch (UTC)", 170}}

// usersScreen lists the users of each device with their template counts, searchable, and the user ids
// that punched on a device that does not know them. Selecting a user shows their templates and actions.
type usersScreen struct {
	svc *Services
	win fyne.Window

	filter  data.UserFilter
	pages   *pageCache[data.UserRow]
	devices *deviceChoice
	unknown []data.UnknownUser
	settle  *time.Timer
	live    bool

	deviceSel      *widget.Select
	search         *widget.Entry
	deleted        *widget.Check
	count, problem *widget.Label
	table          *widget.Table
	unknownTable   *widget.Table
	tabs           *container.AppTabs
	detail         *userDetail
	box            fyne.CanvasObject
}

func newUsersScreen(svc *Services, win fyne.Window) *usersScreen {
	s := &usersScreen{svc: svc, win: win, count: widget.NewLabel(""), problem: problemLabel()}
	s.pages = newPageCache[data.UserRow](svc, userPageSize, userPagesKept)
	s.pages.changed = s.onPagesChanged
	s.pages.failed = func(err error) { showProblem(s.problem, fmt.Errorf("the users could not be read: %w", err)) }

	s.devices = newDeviceChoice(svc, s.onFilterChanged)
	s.devices.failed = func(err error) { showProblem(s.problem, err) }
	s.deviceSel = s.devices.sel
	s.search = widget.NewEntry()
	s.search.SetPlaceHolder("search id, name, type")
	s.search.OnChanged = func(string) {
		if s.settle != nil {
			s.settle.Stop()
		}
		s.settle = time.AfterFunc(filterSettle, func() { s.svc.onUI(s.onFilterChanged) })
	}
	s.deleted = widget.NewCheck("Show deleted", func(bool) { s.onFilterChanged() })

	s.table = newHeaderTable(len(userColumns), func(col int) (string, float32) { return userColumns[col].title, userColumns[col].width },
		s.pages.length, s.updateUserCell)
	s.table.OnSelected = func(id widget.TableCellID) {
		if r, ok := s.pages.row(id.Row); ok {
			s.detail.showUser(r)
		}
	}
	s.unknownTable = newHeaderTable(len(unknownColumns), func(col int) (string, float32) { return unknownColumns[col].title, unknownColumns[col].width },
		func() int { return len(s.unknown) }, s.updateUnknownCell)
	s.unknownTable.OnSelected = func(id widget.TableCellID) {
		if id.Row >= 0 && id.Row < len(s.unknown) {
			s.detail.showUnknown(s.unknown[id.Row])
		}
	}
	s.tabs = container.NewAppTabs(
		container.NewTabItem("Users", s.table),
		container.NewTabItem("Unknown to their device", s.unknownTable),
	)
	s.tabs.OnSelected = func(t *container.TabItem) {
		if t.Content == s.unknownTable {
			s.loadUnknown()
		}
	}
	s.detail = newUserDetail(s)

	bar := container.NewBorder(nil, nil, container.NewHBox(s.deviceSel, s.deleted), s.count, s.search)
	list := container.NewBorder(container.NewVBox(bar, s.problem), nil, nil, nil, s.tabs)
	split := container.NewHSplit(list, s.detail.box)
	split.Offset = 0.58
	s.box = split
	svc.OnEvents(s.onEvents)
	s.devices.load()
	s.reload(true)
	return s
}

func (s *usersScreen) content() fyne.CanvasObject { return s.box }

func (s *usersScreen) shown() {
	s.devices.load()
	s.reload(false)
}

// newHeaderTable is a table of labels with a bold header row; update sets a cell's text with setCell.
func newHeaderTable(cols int, column func(col int) (string, float32), rows func() int,
	update func(id widget.TableCellID, l *widget.Label)) *widget.Table {
	t := widget.NewTableWithHeaders(
		func() (int, int) { return rows(), cols },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateClip // an ellipsis costs a text shaping per cell and refresh
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) { update(id, o.(*widget.Label)) })
	t.ShowHeaderColumn = false
	t.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	t.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < cols {
			title, _ := column(id.Col)
			o.(*widget.Label).SetText(title)
		}
	}
	for i := range cols {
		_, w := column(i)
		t.SetColumnWidth(i, w)
	}
	return t
}

func (s *usersScreen) onFilterChanged() {
	if s.table == nil { // the select fires while the screen is being built
		return
	}
	f := data.UserFilter{Text: strings.TrimSpace(s.search.Text), IncludeDeleted: s.deleted.Checked, DeviceID: s.devices.id()}
	if f == s.filter {
		return
	}
	s.filter = f
	s.reload(true)
}

func (s *usersScreen) reload(clear bool) {
	filter := s.filter
	s.pages.fetch = func(ctx context.Context, offset, limit int) ([]data.UserRow, error) {
		f := filter
		f.Offset, f.Limit = offset, limit
		return s.svc.Store.Users(ctx, f)
	}
	if clear {
		s.table.ScrollToTop()
		s.table.UnselectAll()
	}
	s.pages.reset(clear)
	if s.tabs.Selected() != nil && s.tabs.Selected().Content == s.unknownTable {
		s.loadUnknown()
	}
}

func (s *usersScreen) onPagesChanged() {
	s.table.Refresh()
	n, more := s.pages.known()
	switch {
	case !s.pages.ready && n == 0:
		s.count.SetText("Reading…")
	case more:
		s.count.SetText(fmt.Sprintf("%s+ users", thousands(int64(n))))
	default:
		s.count.SetText(rowsText(int64(n), "users"))
	}
}

func (s *usersScreen) updateUserCell(id widget.TableCellID, l *widget.Label) {
	r, ok := s.pages.row(id.Row)
	if !ok {
		if id.Col == 0 {
			setCell(l, "…")
		} else {
			setCell(l, "")
		}
		return
	}
	setCell(l, userCell(r, id.Col))
}

func userCell(r data.UserRow, col int) string {
	switch col {
	case 0:
		return r.DeviceName
	case 1:
		return r.UserID
	case 2:
		return export.PersonName(r.FirstName, r.LastName)
	case 3:
		return r.UserType
	case 4:
		return userState(r.User)
	case 5:
		return templateSummary(r.TemplateCounts)
	}
	return ""
}

// userState is "deleted", "disabled" or "on device".
func userState(u data.User) string {
	switch {
	case u.DeletedAt != nil:
		return "deleted"
	case u.Access == data.AccessDisabled:
		return "disabled"
	}
	return "on device"
}

// templateSummary is "Fingerprint 2, Face 1, Card 1", in the spec's order of types.
func templateSummary(counts map[string]int) string {
	var parts []string
	seen := map[string]bool{}
	for _, t := range device.TemplateTypes {
		if n := counts[t]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", t, n))
		}
		seen[t] = true
	}
	var other []string
	for t, n := range counts {
		if !seen[t] && n > 0 {
			other = append(other, fmt.Sprintf("%s %d", t, n))
		}
	}
	sort.Strings(other)
	parts = append(parts, other...)
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

type unknownLoad struct {
	rows []data.UnknownUser
	err  error
}

// loadUnknown reads the user ids that punched on a device that does not know them.
func (s *usersScreen) loadUnknown() {
	deviceID := s.filter.DeviceID
	background(s.svc, func() unknownLoad {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		rows, err := s.svc.Store.UnknownUsers(ctx)
		if err != nil || deviceID == 0 {
			return unknownLoad{rows, err}
		}
		kept := rows[:0]
		for _, r := range rows {
			if r.DeviceID == deviceID {
				kept = append(kept, r)
			}
		}
		return unknownLoad{kept, nil}
	}, func(r unknownLoad) {
		if r.err != nil {
			showProblem(s.problem, fmt.Errorf("the unknown user ids could not be read: %w", r.err))
			return
		}
		s.unknown = r.rows
		s.unknownTable.Refresh()
		s.tabs.Items[1].Text = fmt.Sprintf("Unknown to their device (%d)", len(r.rows))
		s.tabs.Refresh()
	})
}

func (s *usersScreen) updateUnknownCell(id widget.TableCellID, l *widget.Label) {
	if id.Row < 0 || id.Row >= len(s.unknown) {
		setCell(l, "")
		return
	}
	u := s.unknown[id.Row]
	switch id.Col {
	case 0:
		setCell(l, u.DeviceName)
	case 1:
		setCell(l, u.UserID)
	case 2:
		setCell(l, thousands(u.Punches))
	case 3:
		setCell(l, u.LastPunch.UTC().Format("2006-01-02 15:04:05"))
	}
}

// onEvents reloads the list once for user updates and deletions that arrive while the screen is open.
func (s *usersScreen) onEvents(evs []receiver.Event) {
	for _, ev := range evs {
		for _, k := range ev.Kinds {
			if k == device.KindUserUpdated || k == device.KindUserDeleted || k == device.KindUserResend {
				s.scheduleLive()
				return
			}
		}
	}
}

func (s *usersScreen) scheduleLive() {
	if s.live {
		return
	}
	s.live = true
	time.AfterFunc(liveSettle, func() {
		s.svc.onUI(func() {
			s.live = false
			s.reload(false)
			s.detail.reload()
		})
	})
}
