package ui

import (
	"context"
	"fmt"
	"image"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/export"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/receiver"
)

// Paging of the gallery: photos per page and pages held (a screen shows a few dozen photos).
const (
	photoPageSize  = 60
	photoPagesKept = 5
)

const allPhotoKinds = "All photos"

// photoKinds are the kind filter's choices after "All photos", with the stored kind each stands for.
var photoKinds = []struct{ label, kind string }{
	{"Attendance photos", data.PhotoAttendance},
	{"Face templates", data.PhotoFace},
	{"User photos", data.PhotoUser},
}

// galleryScreen shows attendance and user photos in a grid, newest first, a page at a time; thumbnails
// are made off the UI goroutine and the most recent ones kept.
type galleryScreen struct {
	svc *Services
	win fyne.Window

	filter  data.PhotoFilter
	pages   *pageCache[data.PhotoRow]
	thumbs  *thumbCache
	devices *deviceChoice
	tiles   map[fyne.CanvasObject]*galleryTile
	settle  *time.Timer
	live    bool

	from, to, user     *widget.Entry
	deviceSel, kindSel *widget.Select
	count, problem     *widget.Label
	grid               *widget.GridWrap
	box                fyne.CanvasObject
}

// galleryTile is one cell of the grid: a thumbnail, a note while there is none, and the caption.
type galleryTile struct {
	path    string
	img     *canvas.Image
	note    *widget.Label
	caption *widget.Label
	box     *fyne.Container
}

func newGalleryScreen(svc *Services, win fyne.Window) *galleryScreen {
	s := &galleryScreen{svc: svc, win: win, count: widget.NewLabel(""), problem: problemLabel(),
		tiles: map[fyne.CanvasObject]*galleryTile{}}
	s.thumbs = newThumbCache(svc, svc.DataDir, thumbsKept)
	s.pages = newPageCache[data.PhotoRow](svc, photoPageSize, photoPagesKept)
	s.pages.changed = s.onPagesChanged
	s.pages.failed = func(err error) { showProblem(s.problem, fmt.Errorf("the photos could not be read: %w", err)) }

	s.from = s.filterEntry("from YYYY-MM-DD")
	s.to = s.filterEntry("to YYYY-MM-DD")
	s.user = s.filterEntry("user id")
	s.devices = newDeviceChoice(svc, s.onFilterChanged)
	s.devices.failed = func(err error) { showProblem(s.problem, err) }
	s.deviceSel = s.devices.sel
	kinds := []string{allPhotoKinds}
	for _, k := range photoKinds {
		kinds = append(kinds, k.label)
	}
	s.kindSel = widget.NewSelect(kinds, func(string) { s.onFilterChanged() })
	s.kindSel.SetSelected(allPhotoKinds)

	s.grid = widget.NewGridWrap(
		func() int { return s.pages.length() },
		s.newTile,
		s.updateTile)
	s.grid.OnSelected = s.onSelected
	folder := widget.NewButton("Open photos folder", s.onOpenFolder)

	bar := container.NewBorder(nil, nil, nil, container.NewHBox(s.count, folder),
		container.NewGridWithColumns(5, s.from, s.to, s.user, s.deviceSel, s.kindSel))
	s.box = container.NewBorder(container.NewVBox(bar, s.problem), nil, nil, nil, s.grid)
	svc.OnEvents(s.onEvents)
	s.devices.load()
	s.reload(true)
	return s
}

func (s *galleryScreen) content() fyne.CanvasObject { return s.box }

func (s *galleryScreen) shown() { s.devices.load() }

func (s *galleryScreen) filterEntry(placeholder string) *widget.Entry {
	e := widget.NewEntry()
	e.SetPlaceHolder(placeholder)
	e.OnChanged = func(string) {
		if s.settle != nil {
			s.settle.Stop()
		}
		s.settle = time.AfterFunc(filterSettle, func() { s.svc.onUI(s.onFilterChanged) })
	}
	return e
}

func (s *galleryScreen) onFilterChanged() {
	if s.grid == nil { // the selects fire while the screen is being built
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

func (s *galleryScreen) currentFilter() (data.PhotoFilter, error) {
	var f data.PhotoFilter
	var err error
	if f.FromDate, err = parseFilterDate(s.from.Text); err != nil {
		return f, fmt.Errorf("From date: %w", err)
	}
	if f.ToDate, err = parseFilterDate(s.to.Text); err != nil {
		return f, fmt.Errorf("To date: %w", err)
	}
	f.UserID = strings.TrimSpace(s.user.Text)
	f.DeviceID = s.devices.id()
	for _, k := range photoKinds {
		if k.label == s.kindSel.Selected {
			f.Kind = k.kind
		}
	}
	return f, nil
}

func (s *galleryScreen) reload(clear bool) {
	filter := s.filter
	s.pages.fetch = func(ctx context.Context, offset, limit int) ([]data.PhotoRow, error) {
		f := filter
		f.Offset, f.Limit = offset, limit
		return s.svc.Store.Photos(ctx, f)
	}
	s.pages.count = func(ctx context.Context) (int64, error) { return s.svc.Store.CountPhotos(ctx, filter) }
	if clear && s.pages.gen > 0 { // GridWrap cannot scroll before it is first drawn
		s.grid.ScrollToTop()
	}
	s.pages.reset(clear)
}

func (s *galleryScreen) onPagesChanged() {
	s.grid.Refresh()
	if s.pages.total >= 0 {
		s.count.SetText(rowsText(int64(s.pages.total), "photos"))
	} else {
		s.count.SetText("Counting…")
	}
}

func (s *galleryScreen) newTile() fyne.CanvasObject {
	t := &galleryTile{img: canvas.NewImageFromImage(nil), note: widget.NewLabel(""), caption: widget.NewLabel("")}
	t.img.FillMode = canvas.ImageFillContain
	t.img.SetMinSize(fyne.NewSize(thumbSide, thumbSide))
	t.note.Alignment = fyne.TextAlignCenter
	t.note.Wrapping = fyne.TextWrapWord
	t.caption.Alignment = fyne.TextAlignCenter
	t.caption.Truncation = fyne.TextTruncateClip
	t.box = container.NewBorder(nil, t.caption, nil, nil, container.NewStack(t.img, container.NewVBox(layout.NewSpacer(), t.note, layout.NewSpacer())))
	s.tiles[t.box] = t
	return t.box
}

func (s *galleryScreen) updateTile(id widget.GridWrapItemID, o fyne.CanvasObject) {
	t := s.tiles[o]
	if t == nil {
		return
	}
	r, ok := s.pages.row(id)
	if !ok {
		t.path = ""
		t.caption.SetText("…")
		t.setImage(nil, "")
		return
	}
	t.caption.SetText(photoCaption(r))
	t.path = r.Path
	if th, ok := s.thumbs.get(r.Path); ok {
		t.show(th)
		return
	}
	t.setImage(nil, "…")
	path := r.Path
	s.thumbs.request(path, func() {
		if t.path != path {
			return // the tile shows another photo by now
		}
		if th, ok := s.thumbs.get(path); ok {
			t.show(th)
		}
	})
}

func (t *galleryTile) show(th *thumb) {
	if th.err != nil {
		t.setImage(nil, th.err.Error())
		return
	}
	t.setImage(th.img, "")
}

func (t *galleryTile) setImage(img image.Image, note string) {
	t.img.Image = img
	t.img.Refresh()
	t.note.SetText(note)
}

// photoCaption is the user's name (else "user 12") over "2025-04-01 09:05".
func photoCaption(r data.PhotoRow) string {
	who := "user " + r.UserID
	if name := export.PersonName(r.FirstName, r.LastName); name != "" {
		who = name
	}
	when := r.Local
	if len(when) >= 16 {
		when = when[:16]
	}
	return who + "\n" + when
}

func (s *galleryScreen) onSelected(id widget.GridWrapItemID) {
	s.grid.UnselectAll()
	r, ok := s.pages.row(id)
	if !ok {
		return
	}
	kind := r.Kind
	for _, k := range photoKinds {
		if k.kind == r.Kind {
			kind = k.label
		}
	}
	showPhoto(s.svc, s.win, r.Path, fmt.Sprintf("%s · user %s · %s · %s · %s", kind, r.UserID,
		export.PersonName(r.FirstName, r.LastName), r.Local, r.DeviceName))
}

// photosFolder is where the receiver saves photos.
func (s *galleryScreen) photosFolder() string {
	return filepath.Join(s.svc.DataDir, receiver.PhotosDir)
}

func (s *galleryScreen) onOpenFolder() {
	dir := s.photosFolder()
	if _, err := os.Stat(dir); err != nil {
		dialog.ShowInformation("No photos yet", "The photos folder "+dir+" does not exist yet: devices have sent no photo.", s.win)
		return
	}
	if err := fyne.CurrentApp().OpenURL(&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}); err != nil {
		dialog.ShowError(fmt.Errorf("the folder %s could not be opened: %w", dir, err), s.win)
	}
}

// onEvents reloads once for photos that arrived by callback while the screen is open.
func (s *galleryScreen) onEvents(evs []receiver.Event) {
	for _, ev := range evs {
		for _, k := range ev.Kinds {
			if k == device.KindPhoto || k == device.KindUserUpdated || k == device.KindUserResend {
				s.scheduleLive()
				return
			}
		}
	}
}

func (s *galleryScreen) scheduleLive() {
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

type photoLoad struct {
	img image.Image
	err error
}

// showPhoto shows a photo of the data dir at full size; the file is read off the UI goroutine.
func showPhoto(svc *Services, win fyne.Window, rel, caption string) {
	full := filepath.Join(svc.DataDir, filepath.FromSlash(rel))
	background(svc, func() photoLoad {
		img, err := readPhoto(full)
		return photoLoad{img, err}
	}, func(p photoLoad) {
		if p.err != nil {
			dialog.ShowError(fmt.Errorf("%s: %w", rel, p.err), win)
			return
		}
		img := canvas.NewImageFromImage(p.img)
		img.FillMode = canvas.ImageFillContain
		b := p.img.Bounds()
		img.SetMinSize(fyne.NewSize(float32(min(b.Dx(), 800)), float32(min(b.Dy(), 600))))
		note := widget.NewLabel(caption)
		note.Wrapping = fyne.TextWrapWord
		path := widget.NewLabel(full)
		path.Importance = widget.LowImportance
		path.Truncation = fyne.TextTruncateEllipsis
		dialog.ShowCustom("Photo", "Close", container.NewBorder(note, path, nil, nil, img), win)
	})
}
