package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// Sizes of the callback log: rows kept on screen, rows read from the journal at start, events held while paused.
const (
	logKeep      = 1000
	logFirstPage = 200
	logHeldMax   = 5000
)

const (
	allKinds      = "All kinds"
	allDevices    = "All devices"
	unknownDevice = "(unknown device)"
)

// logRow is one callback as the log lists it.
type logRow struct {
	seq    uint64
	at     time.Time
	device string
	kinds  string
	user   string
	result string
	reason string
}

var logColumns = []struct {
	title string
	width float32
}{{"Time", 150}, {"Device", 160}, {"Kind", 190}, {"User", 90}, {"Result", 260}}

// callbackLogScreen lists callbacks as they arrive, newest first; selecting one shows its JSON.
type callbackLogScreen struct {
	svc *Services
	win fyne.Window

	rows    []logRow // newest first, at most logKeep
	visible []int    // indexes into rows that pass the filters
	held    []logRow // arrived while paused, newest last
	paused  bool
	kind    string
	device  string
	chosen  uint64 // seq of the callback shown below the table, 0 for none
	col     int    // column of the selected cell
	selRow  int    // row of the selected cell, -1 for none
	// reselecting is set while the selection follows the chosen callback to its new row.
	reselecting bool

	table     *widget.Table
	kindSel   *widget.Select
	deviceSel *widget.Select
	pause     *widget.Check
	count     *widget.Label
	detail    *widget.TextGrid
	reason    *widget.Label
	box       fyne.CanvasObject
}

func newCallbackLogScreen(svc *Services, win fyne.Window) *callbackLogScreen {
	s := &callbackLogScreen{svc: svc, win: win, kind: allKinds, device: allDevices, selRow: -1,
		count: widget.NewLabel(""), detail: widget.NewTextGrid(), reason: widget.NewLabel("")}
	s.reason.Wrapping = fyne.TextWrapWord
	s.detail.Scroll = fyne.ScrollBoth
	s.reason.SetText("Select a callback to see its JSON (tokens removed, photos and templates shortened).")
	s.kindSel = widget.NewSelect(append([]string{allKinds}, device.CallbackKinds...), func(v string) {
		s.kind = v
		s.onFilterChanged()
	})
	s.kindSel.SetSelected(allKinds)
	s.deviceSel = widget.NewSelect(nil, func(v string) {
		s.device = v
		s.onFilterChanged()
	})
	s.refreshDevices()
	s.pause = widget.NewCheck("Pause", s.onPause)

	s.table = widget.NewTableWithHeaders(
		func() (int, int) { return len(s.visible), len(logColumns) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(id widget.TableCellID, o fyne.CanvasObject) {
			if id.Row < 0 || id.Row >= len(s.visible) {
				return
			}
			o.(*widget.Label).SetText(s.cell(s.rows[s.visible[id.Row]], id.Col))
		})
	s.table.ShowHeaderColumn = false
	s.table.CreateHeader = func() fyne.CanvasObject {
		return widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	}
	s.table.UpdateHeader = func(id widget.TableCellID, o fyne.CanvasObject) {
		if id.Col >= 0 && id.Col < len(logColumns) {
			o.(*widget.Label).SetText(logColumns[id.Col].title)
		}
	}
	for i, c := range logColumns {
		s.table.SetColumnWidth(i, c.width)
	}
	s.table.OnSelected = func(id widget.TableCellID) {
		s.selRow = id.Row
		if s.reselecting || id.Row < 0 || id.Row >= len(s.visible) {
			return
		}
		s.col = id.Col
		s.onSelected(s.rows[s.visible[id.Row]])
	}

	bar := container.NewHBox(widget.NewLabel("Kind"), s.kindSel, widget.NewLabel("Device"), s.deviceSel, s.pause, s.count)
	detail := container.NewBorder(s.reason, nil, nil, nil, s.detail)
	split := container.NewVSplit(s.table, detail)
	split.Offset = 0.55
	s.box = container.NewBorder(bar, nil, nil, nil, split)
	s.showCount()
	svc.OnEvents(s.onEvents)
	s.loadJournal()
	return s
}

func (s *callbackLogScreen) content() fyne.CanvasObject { return s.box }

func (s *callbackLogScreen) shown() { s.refreshDevices() }

func (s *callbackLogScreen) refreshDevices() {
	opts := []string{allDevices}
	for _, p := range s.svc.Config.Devices {
		opts = append(opts, p.Name)
	}
	opts = append(opts, unknownDevice)
	s.deviceSel.Options = opts
	if !slices.Contains(opts, s.device) {
		s.device = allDevices
	}
	s.deviceSel.SetSelected(s.device)
	s.deviceSel.Refresh()
}

func (s *callbackLogScreen) cell(r logRow, col int) string {
	switch col {
	case 0:
		return r.at.Local().Format("01-02 15:04:05")
	case 1:
		if r.device == "" {
			return unknownDevice
		}
		return r.device
	case 2:
		return r.kinds
	case 3:
		return orDash(r.user)
	case 4:
		if r.reason != "" {
			return r.result + ": " + r.reason
		}
		return r.result
	}
	return ""
}

type journalPage struct {
	rows []logRow
	err  error
}

// loadJournal reads the newest callbacks already stored, so that the log is not empty after a restart.
func (s *callbackLogScreen) loadJournal() {
	if s.svc.Store == nil {
		return
	}
	background(s.svc, func() journalPage {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cbs, err := s.svc.Store.Callbacks(ctx, data.CallbackFilter{Limit: logFirstPage})
		if err != nil {
			return journalPage{err: err}
		}
		names := map[uint]string{}
		if ds, err := s.svc.Store.Devices(ctx); err == nil {
			for _, d := range ds {
				names[d.ID] = d.Name
			}
		}
		rows := make([]logRow, 0, len(cbs))
		for _, cb := range cbs {
			rows = append(rows, logRow{seq: cb.Seq, at: cb.ReceivedAt, device: names[cb.DeviceID],
				kinds: strings.ReplaceAll(cb.Kinds, ",", ", "), user: cb.UserID, result: cb.Result, reason: cb.Reason})
		}
		return journalPage{rows: rows}
	}, func(p journalPage) {
		if p.err != nil {
			s.reason.SetText("The stored callbacks could not be read: " + p.err.Error())
			return
		}
		// Events that arrived while reading are newer; keep them first and drop duplicates.
		seen := map[uint64]bool{}
		for _, r := range s.rows {
			seen[r.seq] = true
		}
		for _, r := range p.rows {
			if !seen[r.seq] {
				s.rows = append(s.rows, r)
			}
		}
		s.trim()
		s.onFilterChanged()
	})
}

// onEvents adds live events; while paused they are held and counted.
func (s *callbackLogScreen) onEvents(evs []receiver.Event) {
	fresh := make([]logRow, 0, len(evs))
	for _, ev := range evs {
		fresh = append(fresh, logRow{seq: ev.Seq, at: ev.At, device: ev.DeviceName, kinds: strings.Join(ev.Kinds, ", "),
			user: ev.UserID, result: ev.Result, reason: ev.Reason})
	}
	if s.paused {
		s.held = append(s.held, fresh...)
		if over := len(s.held) - logHeldMax; over > 0 {
			s.held = s.held[over:]
		}
		s.showCount()
		return
	}
	s.prepend(fresh)
}

// prepend puts rows (oldest first) at the top, newest first.
func (s *callbackLogScreen) prepend(fresh []logRow) {
	if len(fresh) == 0 {
		return
	}
	slices.Reverse(fresh)
	s.rows = append(fresh, s.rows...)
	s.trim()
	s.onFilterChanged()
}

func (s *callbackLogScreen) trim() {
	if len(s.rows) > logKeep {
		s.rows = s.rows[:logKeep]
	}
}

func (s *callbackLogScreen) onPause(on bool) {
	s.paused = on
	if !on {
		held := s.held
		s.held = nil
		s.prepend(held)
	}
	s.showCount()
}

// onFilterChanged recomputes the visible rows and keeps the chosen callback selected.
func (s *callbackLogScreen) onFilterChanged() {
	if s.table == nil {
		return
	}
	s.visible = s.visible[:0]
	for i, r := range s.rows {
		if s.kind != allKinds && s.kind != "" && !hasKind(r.kinds, s.kind) {
			continue
		}
		switch s.device {
		case allDevices, "":
		case unknownDevice:
			if r.device != "" {
				continue
			}
		default:
			if !strings.EqualFold(r.device, s.device) {
				continue
			}
		}
		s.visible = append(s.visible, i)
	}
	s.table.Refresh()
	s.followChosen()
	s.showCount()
}

// followChosen keeps the selection on the chosen callback as rows arrive above it or filters change.
func (s *callbackLogScreen) followChosen() {
	if s.chosen == 0 {
		return
	}
	s.reselecting = true
	defer func() { s.reselecting = false }()
	for row, i := range s.visible {
		if s.rows[i].seq == s.chosen {
			s.table.Select(widget.TableCellID{Row: row, Col: s.col})
			return
		}
	}
	s.table.UnselectAll()
	s.selRow = -1
}

func hasKind(kinds, kind string) bool {
	for _, k := range strings.Split(kinds, ",") {
		if strings.TrimSpace(k) == kind {
			return true
		}
	}
	return false
}

func (s *callbackLogScreen) showCount() {
	text := fmt.Sprintf("%d shown", len(s.visible))
	if s.paused {
		text = fmt.Sprintf("Paused: %d new callbacks held", len(s.held))
	}
	s.count.SetText(text)
}

type callbackBody struct {
	seq    uint64
	body   string
	reason string
	err    error
}

// onSelected shows the stored JSON of a callback (tokens removed, photos and templates shortened).
func (s *callbackLogScreen) onSelected(r logRow) {
	s.chosen = r.seq
	s.reason.SetText(fmt.Sprintf("Callback #%d received %s", r.seq, r.at.Local().Format("2006-01-02 15:04:05")))
	if s.svc.Store == nil {
		return
	}
	background(s.svc, func() callbackBody {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		cb, err := s.svc.Store.CallbackBySeq(ctx, r.seq)
		return callbackBody{seq: r.seq, body: cb.Body, reason: cb.Reason, err: err}
	}, func(b callbackBody) {
		if b.seq != s.chosen {
			return
		}
		if b.err != nil {
			s.detail.SetText("")
			s.reason.SetText("This callback could not be read: " + b.err.Error())
			return
		}
		if b.reason != "" {
			s.reason.SetText(s.reason.Text + " · " + b.reason)
		}
		s.detail.SetText(answerJSON([]byte(b.body)))
	})
}
