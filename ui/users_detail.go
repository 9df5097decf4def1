package ui

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/jpeg"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/export"
)

// previewSide is the size of the Face and UserPhoto previews in the detail pane.
const previewSide = 120

var templateColumns = []struct {
	title string
	width float32
}{{"Type", 100}, {"Index", 55}, {"Size", 80}, {"Updated", 150}}

// userDetail is the right-hand pane of the users screen: the chosen user, their stored templates with
// previews of faces and photos, and the actions sent to the device.
type userDetail struct {
	s *usersScreen

	user      *data.UserRow // nil when none or an unknown id is shown
	templates []data.Template
	chosen    int // bumped per selection: late answers for an earlier choice are dropped

	title, info *widget.Label
	table       *widget.Table
	previews    *fyne.Container
	actions     *userActions
	box         fyne.CanvasObject
}

func newUserDetail(s *usersScreen) *userDetail {
	d := &userDetail{s: s, title: widget.NewLabelWithStyle("Choose a user", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		info: widget.NewLabel("Their templates, previews and actions show here."), previews: container.NewHBox()}
	d.title.Wrapping = fyne.TextWrapWord
	d.info.Wrapping = fyne.TextWrapWord
	d.table = newHeaderTable(len(templateColumns), func(col int) (string, float32) { return templateColumns[col].title, templateColumns[col].width },
		func() int { return len(d.templates) }, d.updateCell)
	d.actions = newUserActions(s.svc, s.win, d)
	top := container.NewVBox(d.title, d.info, d.actions.box)
	d.box = container.NewBorder(top, container.NewHScroll(d.previews), nil, nil, d.table)
	return d
}

// showUser shows a stored user and reads their templates.
func (d *userDetail) showUser(r data.UserRow) {
	d.user = &r
	d.chosen++
	d.title.SetText(fmt.Sprintf("%s · %s", r.UserID, orDash(export.PersonName(r.FirstName, r.LastName))))
	info := fmt.Sprintf("%s on %s · %s · templates: %s", orDash(r.UserType), orDash(r.DeviceName), userState(r.User),
		templateSummary(r.TemplateCounts))
	if r.DeletedAt != nil {
		info += fmt.Sprintf(" · deleted %s UTC", r.DeletedAt.UTC().Format("2006-01-02 15:04"))
	}
	d.info.SetText(info)
	d.templates = nil
	d.table.Refresh()
	d.previews.Objects = nil
	d.previews.Refresh()
	d.actions.update()
	d.reload()
}

// showUnknown explains an id that punched on a device that does not know it.
func (d *userDetail) showUnknown(u data.UnknownUser) {
	d.user = nil
	d.chosen++
	d.title.SetText(fmt.Sprintf("%s · unknown to %s", u.UserID, orDash(u.DeviceName)))
	d.info.SetText(fmt.Sprintf("User id %s punched %s times on %s (last %s UTC), but the device has sent no user "+
		"with this id. Enrol the person on the device, or copy them from another device with their templates.",
		u.UserID, thousands(u.Punches), orDash(u.DeviceName), u.LastPunch.UTC().Format("2006-01-02 15:04")))
	d.templates = nil
	d.table.Refresh()
	d.previews.Objects = nil
	d.previews.Refresh()
	d.actions.update()
}

type templateLoad struct {
	chosen    int
	user      data.User
	userErr   error
	templates []data.Template
	previews  []preview
	err       error
}

type preview struct {
	label string
	img   image.Image
	err   error
}

// reload reads the chosen user's row and templates again, and makes the previews, off the UI goroutine.
func (d *userDetail) reload() {
	if d.user == nil {
		return
	}
	chosen, deviceID, userID := d.chosen, d.user.DeviceID, d.user.UserID
	dataDir := d.s.svc.DataDir
	background(d.s.svc, func() templateLoad {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		out := templateLoad{chosen: chosen}
		out.user, out.userErr = d.s.svc.Store.User(ctx, deviceID, userID)
		out.templates, out.err = d.s.svc.Store.Templates(ctx, deviceID, userID)
		for _, t := range out.templates {
			if t.Type == data.TemplateFace || t.Type == data.TemplateUserPhoto {
				img, err := templateImage(dataDir, t)
				out.previews = append(out.previews, preview{label: templateLabel(t), img: img, err: err})
			}
		}
		return out
	}, func(l templateLoad) {
		if l.chosen != d.chosen || d.user == nil {
			return
		}
		if l.err != nil {
			d.info.SetText("The templates could not be read: " + l.err.Error())
			return
		}
		if l.userErr == nil { // an action's callback may have changed the user
			d.user.User = l.user
			counts := map[string]int{}
			for _, t := range l.templates {
				counts[t.Type]++
			}
			d.user.TemplateCounts = counts
		}
		d.templates = l.templates
		d.table.Refresh()
		d.previews.Objects = nil
		for _, p := range l.previews {
			d.previews.Add(previewBox(p))
		}
		d.previews.Refresh()
		d.actions.update()
	})
}

func (d *userDetail) updateCell(id widget.TableCellID, l *widget.Label) {
	if id.Row < 0 || id.Row >= len(d.templates) {
		setCell(l, "")
		return
	}
	t := d.templates[id.Row]
	switch id.Col {
	case 0:
		setCell(l, t.Type)
	case 1:
		setCell(l, orDash(t.Idx))
	case 2:
		size := t.Size
		if size == 0 {
			size = len(t.Data)
		}
		setCell(l, byteSize(size))
	case 3:
		setCell(l, t.UpdatedAt.Local().Format("2006-01-02 15:04:05"))
	}
}

func templateLabel(t data.Template) string {
	if t.Idx != "" {
		return t.Type + " " + t.Idx
	}
	return t.Type
}

// templateImage is a Face or UserPhoto template as a preview: the JPEG the receiver saved, else the
// template data itself (base64 JPEG).
func templateImage(dataDir string, t data.Template) (image.Image, error) {
	if t.Path != "" {
		if img, err := makeThumb(filepath.Join(dataDir, filepath.FromSlash(t.Path)), previewSide); err == nil {
			return img, nil
		}
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(t.Data))
	if err != nil {
		return nil, fmt.Errorf("not base64")
	}
	if len(raw) > maxPhotoBytes {
		return nil, fmt.Errorf("larger than %s", byteSize(maxPhotoBytes))
	}
	img, err := jpeg.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("not a JPEG")
	}
	return shrink(img, previewSide), nil
}

func previewBox(p preview) fyne.CanvasObject {
	caption := widget.NewLabel(p.label)
	caption.Alignment = fyne.TextAlignCenter
	if p.err != nil {
		note := widget.NewLabel("no preview:\n" + p.err.Error())
		note.Alignment = fyne.TextAlignCenter
		return container.NewBorder(nil, caption, nil, nil, note)
	}
	img := canvas.NewImageFromImage(p.img)
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSize(previewSide, previewSide))
	return container.NewBorder(nil, caption, nil, nil, img)
}
