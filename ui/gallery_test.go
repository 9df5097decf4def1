package ui

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/camsdesk/camsdesk/data"
)

// storePhotos writes a JPEG file for each of the first withFiles photos and stores every photo row.
func storePhotos(t testing.TB, svc *Services, deviceID uint, photos []data.Photo, withFiles int) {
	t.Helper()
	img := testJPEG(t, 320, 240)
	for i, p := range photos {
		if i >= withFiles {
			break
		}
		full := filepath.Join(svc.DataDir, filepath.FromSlash(p.Path))
		if err := os.MkdirAll(filepath.Dir(full), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, img, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.Store.Apply(context.Background(), data.Change{DeviceID: deviceID, Photos: photos}); err != nil {
		t.Fatal(err)
	}
}

func photoAt(user, kind string, at time.Time) data.Photo {
	local := at.In(ist)
	return data.Photo{UserID: user, Kind: kind, UTC: at, Local: local.Format(data.LocalLayout), LocalDate: local.Format(data.DateLayout),
		Path: fmt.Sprintf("photos/A/%s/%s_%s_%s.jpg", local.Format(data.DateLayout), user, kind, local.Format("150405"))}
}

// shownPhotos is the grid's photos, "user/kind/local", once every one is read.
func shownPhotos(s *galleryScreen) ([]string, bool) {
	if s.pages.total < 0 {
		return nil, false
	}
	out := []string{}
	for i := range s.pages.length() {
		r, ok := s.pages.row(i)
		if !ok {
			return nil, false
		}
		out = append(out, r.UserID+"/"+r.Kind+"/"+r.Local)
	}
	return out, true
}

func TestGalleryFiltersAndThumbnails(t *testing.T) {
	svc, q := storeServices(t)
	ids := seedPunches(t, svc.Store, []seedPunch{{"A", "1", "2025-04-01 09:00:00 GMT +0530", "CheckIn"}})
	seedUser(t, svc.Store, ids["A"], data.User{UserID: "1", FirstName: "Asha", LastName: "Rao"})
	day := time.Date(2025, 4, 1, 3, 30, 0, 0, time.UTC) // 09:00 at +05:30
	storePhotos(t, svc, ids["A"], []data.Photo{
		photoAt("1", data.PhotoAttendance, day),
		photoAt("2", data.PhotoAttendance, day.Add(time.Hour)),
		photoAt("1", data.PhotoUser, day.AddDate(0, 0, 1)),
	}, 2)
	s, w := showScreen(t, func(w fyne.Window) *galleryScreen { return newGalleryScreen(svc, w) })
	all := []string{"1/userphoto/2025-04-02 09:00:00", "2/attendance/2025-04-01 10:00:00", "1/attendance/2025-04-01 09:00:00"}
	waitFor(t, q, "all photos", func() bool { got, ok := shownPhotos(s); return ok && reflect.DeepEqual(got, all) })
	waitFor(t, q, "three thumbnails", func() bool { return s.thumbs.decoded == 3 })
	if !objectShows(s.grid, "Asha Rao", "2025-04-01 09:00", "user 2", "2025-04-01 10:00", "missing") {
		t.Errorf("the grid lacks captions or the missing file's note:\n%s", test.RenderObjectToMarkup(s.grid))
	}
	th, ok := s.thumbs.get("photos/A/2025-04-01/1_attendance_090000.jpg")
	if !ok || th.img == nil || th.img.Bounds().Dx() != thumbSide || th.img.Bounds().Dy() != thumbSide*240/320 {
		t.Errorf("thumbnail %+v", th)
	}

	tests := []struct {
		name  string
		apply func()
		want  []string
	}{
		{"user", func() { test.Type(s.user, "2") }, all[1:2]},
		{"kind", func() { s.kindSel.SetSelected("User photos") }, all[:1]},
		{"date", func() { test.Type(s.from, "2025-04-02") }, all[:1]},
		{"device", func() { s.deviceSel.SetSelected("Gate A") }, all},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.user.SetText("")
			s.from.SetText("")
			s.kindSel.SetSelected(allPhotoKinds)
			s.deviceSel.SetSelected(allPunchDevs)
			waitFor(t, q, "all photos", func() bool { got, ok := shownPhotos(s); return ok && reflect.DeepEqual(got, all) })
			tc.apply()
			waitFor(t, q, fmt.Sprintf("photos %q", tc.want), func() bool {
				got, ok := shownPhotos(s)
				return ok && reflect.DeepEqual(got, tc.want)
			})
		})
	}

	s.onSelected(2)
	waitFor(t, q, "the full-size photo", func() bool { return w.Canvas().Overlays().Top() != nil })
	if img := findImage(w.Canvas().Overlays().Top()); img == nil || img.Image == nil || img.Image.Bounds().Dx() != 320 {
		t.Error("the photo dialog does not show the photo at full size")
	}
	if !strings.HasSuffix(s.photosFolder(), filepath.Join(filepath.Base(svc.DataDir), "photos")) {
		t.Errorf("photos folder %q", s.photosFolder())
	}
}

func TestGalleryTenThousandPhotosLoadsOnlyWhatShows(t *testing.T) {
	svc, q := storeServices(t)
	ids := seedPunches(t, svc.Store, []seedPunch{{"A", "1", "2025-04-01 09:00:00 GMT +0530", "CheckIn"}})
	start := time.Date(2025, 1, 1, 3, 30, 0, 0, time.UTC)
	photos := make([]data.Photo, 10000)
	for i := range photos {
		photos[i] = photoAt(fmt.Sprint(i%500+1), data.PhotoAttendance, start.Add(time.Duration(i)*7*time.Minute))
	}
	storePhotos(t, svc, ids["A"], photos, 40)
	s, _ := showScreen(t, func(w fyne.Window) *galleryScreen { return newGalleryScreen(svc, w) })
	waitFor(t, q, "the count and the first page", func() bool { return s.pages.total == 10000 && s.pages.ready })
	waitFor(t, q, "the thumbnails on screen", func() bool { return s.thumbs.running == 0 && len(s.thumbs.queue) == 0 && s.thumbs.decoded > 0 })
	onScreen := s.thumbs.decoded
	if onScreen > photoPageSize || s.pages.fetched > 2 {
		t.Errorf("opening made %d thumbnails and read %d pages", onScreen, s.pages.fetched)
	}

	fetched := s.pages.fetched
	s.grid.ScrollToBottom()
	waitFor(t, q, "the last photo", func() bool { _, ok := s.pages.row(9999); return ok })
	waitFor(t, q, "the thumbnails at the bottom", func() bool { return s.thumbs.running == 0 && len(s.thumbs.queue) == 0 })
	if n := s.pages.fetched - fetched; n > 3 {
		t.Errorf("scrolling to the end read %d pages", n)
	}
	if s.thumbs.decoded > 2*onScreen+photoPageSize {
		t.Errorf("%d thumbnails made for two screens of %d", s.thumbs.decoded, onScreen)
	}
	t.Logf("10,000 photos: %d thumbnails on the first screen, %d after scrolling to the end; %d pages read", onScreen, s.thumbs.decoded, s.pages.fetched)
	if s.thumbs.lru.Len() > thumbsKept || len(s.pages.pages) > photoPagesKept {
		t.Errorf("holding %d thumbnails and %d pages", s.thumbs.lru.Len(), len(s.pages.pages))
	}
}

func TestShrink(t *testing.T) {
	tests := []struct{ w, h, side, wantW, wantH int }{
		{320, 240, 160, 160, 120},
		{240, 320, 160, 120, 160},
		{100, 50, 160, 100, 50}, // never enlarged
		{1000, 1, 160, 160, 1},
	}
	for _, tc := range tests {
		img := shrink(imageOf(tc.w, tc.h), tc.side)
		if b := img.Bounds(); b.Dx() != tc.wantW || b.Dy() != tc.wantH {
			t.Errorf("shrink %dx%d to %d = %dx%d, want %dx%d", tc.w, tc.h, tc.side, b.Dx(), b.Dy(), tc.wantW, tc.wantH)
		}
	}
}

func imageOf(w, h int) *image.RGBA { return image.NewRGBA(image.Rect(0, 0, w, h)) }
