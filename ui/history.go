package ui

import (
	"context"
	"fmt"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// historyPage is how many past calls the history shows.
const historyPage = 200

// historyDialog lists the calls sent to devices, newest first.
type historyDialog struct {
	svc     *Services
	win     fyne.Window
	rows    []data.Exchange
	names   map[uint]string
	list    *widget.List
	note    *widget.Label
	dlg     dialog.Dialog
	onOpen  func(data.Exchange)
	loading bool
}

func newHistoryDialog(svc *Services, win fyne.Window, onOpen func(data.Exchange)) *historyDialog {
	h := &historyDialog{svc: svc, win: win, onOpen: onOpen, note: widget.NewLabel("Loading…")}
	h.list = widget.NewList(
		func() int { return len(h.rows) },
		func() fyne.CanvasObject {
			return widget.NewLabel("2025-01-01 00:00:00  Simulated device  AddUserWithCardAndFingerprint  status 999")
		},
		func(id widget.ListItemID, o fyne.CanvasObject) { o.(*widget.Label).SetText(h.line(h.rows[id])) },
	)
	h.list.OnSelected = func(id widget.ListItemID) {
		x := h.rows[id]
		h.dlg.Hide()
		h.onOpen(x)
	}
	return h
}

func (h *historyDialog) line(x data.Exchange) string {
	status := fmt.Sprintf("status %d", x.StatusCode)
	if x.StatusCode < 0 {
		status = string(x.Outcome)
	}
	return fmt.Sprintf("%s   %s   %s   %s", x.StartedAt.Local().Format("2006-01-02 15:04:05"), orDash(h.names[x.DeviceID]),
		x.Operation, status)
}

func (h *historyDialog) show() {
	content := container.NewBorder(h.note, nil, nil, nil, h.list)
	h.dlg = dialog.NewCustom("Sent requests", "Close", content, h.win)
	h.dlg.Resize(fyne.NewSize(720, 460))
	h.dlg.Show()
	h.reload()
}

type historyPageRows struct {
	rows  []data.Exchange
	names map[uint]string
	err   error
}

// reload reads the newest calls off the UI goroutine.
func (h *historyDialog) reload() {
	if h.svc.Store == nil || h.loading {
		return
	}
	h.loading = true
	background(h.svc, func() historyPageRows {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rows, err := h.svc.Store.Exchanges(ctx, data.ExchangeFilter{Limit: historyPage})
		if err != nil {
			return historyPageRows{err: err}
		}
		names := map[uint]string{}
		if ds, err := h.svc.Store.Devices(ctx); err == nil {
			for _, d := range ds {
				names[d.ID] = d.Name
			}
		}
		return historyPageRows{rows: rows, names: names}
	}, func(p historyPageRows) {
		h.loading = false
		switch {
		case p.err != nil:
			h.note.SetText("The history could not be read: " + p.err.Error())
		case len(p.rows) == 0:
			h.note.SetText("Nothing has been sent yet.")
		default:
			h.note.SetText(fmt.Sprintf("The last %d requests; choose one to open it again.", len(p.rows)))
		}
		h.rows, h.names = p.rows, p.names
		h.list.Refresh()
	})
}

// reopen puts a past request back in its operation's editor and shows its answer.
func (s *operationsScreen) reopen(x data.Exchange) {
	name := x.Operation
	if _, ok := device.Lookup(name); !ok {
		if req, err := device.DecodeRequest([]byte(x.Request)); err == nil {
			if op, ok := device.Identify(req); ok {
				name = op.Name
			}
		}
	}
	t, ed, ok := s.selectOp(name)
	if !ok {
		dialog.ShowInformation("Cannot reopen", fmt.Sprintf("%q is not one of the 27 operations.", x.Operation), s.win)
		return
	}
	text, err := prettyJSON([]byte(x.Request), jsonOptions{dropTopKeys: stampKeys})
	if err != nil {
		text = x.Request
	}
	ed.setJSON(text)
	t.answer.showExchange(x)
}
