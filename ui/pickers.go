package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// maxJPEG is the largest photo accepted from a file; devices want small JPEGs.
const maxJPEG = 2 << 20

// pickJPEGFile asks for a JPEG file and hands its bytes to done on the UI goroutine.
func pickJPEGFile(svc *Services, win fyne.Window, done func([]byte)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			dialog.ShowError(err, win)
			return
		}
		if r == nil {
			return
		}
		background(svc, func() jpegRead { return readJPEG(r) }, func(j jpegRead) {
			if j.err != nil {
				dialog.ShowError(j.err, win)
				return
			}
			done(j.data)
		})
	}, win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".jpg", ".jpeg", ".JPG", ".JPEG"}))
	d.Show()
}

type jpegRead struct {
	data []byte
	err  error
}

func readJPEG(r fyne.URIReadCloser) jpegRead {
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, maxJPEG+1))
	switch {
	case err != nil:
		return jpegRead{err: fmt.Errorf("the file could not be read: %w", err)}
	case len(b) > maxJPEG:
		return jpegRead{err: fmt.Errorf("the photo is larger than %s; devices take small photos, so shrink it first", byteSize(maxJPEG))}
	case len(b) < 3 || b[0] != 0xFF || b[1] != 0xD8:
		return jpegRead{err: errors.New("the file is not a JPEG photo; choose a .jpg file")}
	}
	return jpegRead{data: b}
}

// templateType is the stored template type a blob parameter takes.
func templateType(kind device.ParamKind) string {
	switch kind {
	case device.ParamFingerprint:
		return data.TemplateFingerprint
	case device.ParamFace:
		return data.TemplateFace
	case device.ParamPalm:
		return data.TemplatePalm
	case device.ParamPhoto:
		return data.TemplateUserPhoto
	}
	return ""
}

// templatePickerPage bounds the users listed in the stored-template picker.
const templatePickerPage = 500

// templatePicker lists the stored users that have a template of one type.
type templatePicker struct {
	svc    *Services
	typ    string
	rows   []data.UserRow
	search *widget.Entry
	note   *widget.Label
	list   *widget.List
	dlg    *dialog.CustomDialog
	done   func(blob)
}

// showTemplatePicker lists the stored users that have a template of kind's type; choosing one reads the
// template and hands it to done. It returns nil when there is nothing to pick from.
func showTemplatePicker(svc *Services, win fyne.Window, kind device.ParamKind, done func(blob)) *templatePicker {
	typ := templateType(kind)
	if svc.Store == nil || typ == "" {
		return nil
	}
	p := &templatePicker{svc: svc, typ: typ, done: done, note: widget.NewLabel("Loading users…"), search: widget.NewEntry()}
	p.note.Wrapping = fyne.TextWrapWord
	p.search.SetPlaceHolder("Search by user id or name")
	p.search.OnChanged = p.load
	p.list = widget.NewList(
		func() int { return len(p.rows) },
		func() fyne.CanvasObject { return widget.NewLabel("Simulated device · 100 · Asha Verma") },
		func(id widget.ListItemID, o fyne.CanvasObject) {
			r := p.rows[id]
			o.(*widget.Label).SetText(fmt.Sprintf("%s · %s · %s", orDash(r.DeviceName), r.UserID,
				strings.TrimSpace(r.FirstName+" "+r.LastName)))
		})
	p.list.OnSelected = p.onSelected
	p.dlg = dialog.NewCustom("Take the "+strings.ToLower(typ)+" of a stored user", "Cancel",
		container.NewBorder(container.NewVBox(p.search, p.note), nil, nil, nil, p.list), win)
	p.dlg.Resize(fyne.NewSize(560, 440))
	p.dlg.Show()
	p.load("")
	return p
}

// load lists the users matching text that have the template, off the UI goroutine.
func (p *templatePicker) load(text string) {
	background(p.svc, func() userRowsRead {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		all, err := p.svc.Store.Users(ctx, data.UserFilter{Text: text, Limit: templatePickerPage})
		var with []data.UserRow
		for _, r := range all {
			if r.TemplateCounts[p.typ] > 0 {
				with = append(with, r)
			}
		}
		return userRowsRead{rows: with, err: err}
	}, func(u userRowsRead) {
		p.rows = u.rows
		switch {
		case u.err != nil:
			p.note.SetText("Users could not be read: " + u.err.Error())
		case len(p.rows) == 0:
			p.note.SetText("No stored user has a " + strings.ToLower(p.typ) + " template yet. Users arrive from devices by callback (enrol on the device, or Resend all users).")
		default:
			p.note.SetText(fmt.Sprintf("%d users with a %s template.", len(p.rows), strings.ToLower(p.typ)))
		}
		p.list.UnselectAll()
		p.list.Refresh()
	})
}

// onSelected reads the chosen user's template and hands it over.
func (p *templatePicker) onSelected(id widget.ListItemID) {
	r := p.rows[id]
	background(p.svc, func() templateRead {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ts, err := p.svc.Store.Templates(ctx, r.DeviceID, r.UserID)
		if err != nil {
			return templateRead{err: err}
		}
		for _, t := range ts {
			if strings.EqualFold(t.Type, p.typ) && t.Data != "" {
				return templateRead{b: blob{data: t.Data, index: t.Idx}}
			}
		}
		return templateRead{err: fmt.Errorf("user %s has no %s data stored", r.UserID, strings.ToLower(p.typ))}
	}, func(tr templateRead) {
		if tr.err != nil {
			p.note.SetText(tr.err.Error())
			return
		}
		p.dlg.Hide()
		p.done(tr.b)
	})
}

type userRowsRead struct {
	rows []data.UserRow
	err  error
}

type templateRead struct {
	b   blob
	err error
}
