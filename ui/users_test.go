package ui

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
	"github.com/camsdesk/camsdesk/device/simulator"
)

// testJPEG is a small real JPEG of one colour.
func testJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{200, uint8(x), uint8(y), 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// userTemplates are templates of every kind: two fingers, a face (a real JPEG) and a photo.
func userTemplates(t testing.TB) []data.Template {
	face := base64.StdEncoding.EncodeToString(testJPEG(t, 64, 80))
	return []data.Template{
		{Type: data.TemplateCard, Data: "1234567890"},
		{Type: data.TemplatePassword, Data: "4321"},
		{Type: data.TemplateFingerprint, Idx: "0", Size: 6, Data: base64.StdEncoding.EncodeToString([]byte("finger"))},
		{Type: data.TemplateFingerprint, Idx: "3", Size: 7, Data: base64.StdEncoding.EncodeToString([]byte("finger3"))},
		{Type: data.TemplateFace, Idx: "0", Data: face},
		{Type: data.TemplateUserPhoto, Data: face},
	}
}

// usersFixture stores users on devices A and B, a deleted one, and punches from an id A does not know.
func usersFixture(t *testing.T, svc *Services, stgidA string) map[string]uint {
	t.Helper()
	ids := seedPunches(t, svc.Store, []seedPunch{
		{stgidA, "1", "2025-04-01 09:00:00 GMT +0530", "CheckIn"},
		{stgidA, "99", "2025-04-01 09:05:00 GMT +0530", "CheckIn"},
		{stgidA, "99", "2025-04-01 17:05:00 GMT +0530", "CheckOut"},
		{"B", "1", "2025-04-01 09:00:00 GMT +0530", "CheckIn"},
	})
	seedUser(t, svc.Store, ids[stgidA], data.User{UserID: "1", FirstName: "Asha", LastName: "Rao", UserType: "User"}, userTemplates(t)...)
	seedUser(t, svc.Store, ids[stgidA], data.User{UserID: "2", FirstName: "Ben", LastName: "Brown", UserType: "Admin"})
	seedUser(t, svc.Store, ids[stgidA], data.User{UserID: "10", FirstName: "Carlos", LastName: "Diaz", UserType: "User"})
	seedUser(t, svc.Store, ids["B"], data.User{UserID: "1", FirstName: "Dana", LastName: "Evans", UserType: "User"})
	_, err := svc.Store.Apply(t.Context(), data.Change{DeviceID: ids[stgidA], Deletion: &data.UserDeletion{UserID: "10"}})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// shownUsers is the users table, "device/id/state", once every row is read.
func shownUsers(s *usersScreen) ([]string, bool) {
	if !s.pages.ready {
		return nil, false
	}
	out := []string{}
	for i := range s.pages.length() {
		r, ok := s.pages.row(i)
		if !ok {
			return nil, false
		}
		out = append(out, r.DeviceName+"/"+r.UserID+"/"+userState(r.User))
	}
	return out, true
}

func waitUsers(t *testing.T, q *queueRunner, s *usersScreen, want []string) {
	t.Helper()
	waitFor(t, q, fmt.Sprintf("users %q", want), func() bool {
		got, ok := shownUsers(s)
		return ok && reflect.DeepEqual(got, want)
	})
}

func TestUsersFiltersAndUnknownIDs(t *testing.T) {
	svc, q := storeServices(t)
	usersFixture(t, svc, "A")
	s, _ := showScreen(t, func(w fyne.Window) *usersScreen { return newUsersScreen(svc, w) })
	all := []string{"Gate A/1/on device", "Gate A/2/on device", "Gate B/1/on device"}
	waitUsers(t, q, s, all)
	waitFor(t, q, "the devices", func() bool { return len(s.deviceSel.Options) == 3 })
	if !objectShows(s.table, "Asha Rao", "Card 1, Password 1, Fingerprint 2", "Admin") {
		t.Error("the table does not show names, template counts and types")
	}
	if s.count.Text != "3 users" {
		t.Errorf("count %q", s.count.Text)
	}

	tests := []struct {
		name  string
		apply func()
		want  []string
	}{
		{"search a name", func() { test.Type(s.search, "brown") }, []string{"Gate A/2/on device"}},
		{"search a type", func() { test.Type(s.search, "admin") }, []string{"Gate A/2/on device"}},
		{"device", func() { s.deviceSel.SetSelected("Gate B") }, []string{"Gate B/1/on device"}},
		{"deleted shown", func() { test.Tap(s.deleted) }, []string{"Gate A/1/on device", "Gate A/2/on device", "Gate A/10/deleted", "Gate B/1/on device"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s.search.SetText("")
			s.deviceSel.SetSelected(allPunchDevs)
			s.deleted.SetChecked(false)
			waitUsers(t, q, s, all)
			tc.apply()
			waitUsers(t, q, s, tc.want)
		})
	}

	s.tabs.SelectIndex(1)
	waitFor(t, q, "the unknown ids", func() bool { return len(s.unknown) == 1 })
	if u := s.unknown[0]; u.UserID != "99" || u.DeviceName != "Gate A" || u.Punches != 2 {
		t.Errorf("unknown %+v", u)
	}
	if !objectShows(s.unknownTable, "99", "Gate A") || !strings.Contains(s.tabs.Items[1].Text, "(1)") {
		t.Error("the unknown ids are not shown")
	}
	s.unknownTable.Select(widget.TableCellID{Row: 0, Col: 0})
	if !strings.Contains(s.detail.info.Text, "punched 2 times on Gate A") || !s.detail.actions.copyBtn.Disabled() {
		t.Errorf("detail %q", s.detail.info.Text)
	}
}

func TestUsersDetailShowsTemplatesAndPreviews(t *testing.T) {
	svc, q := storeServices(t)
	usersFixture(t, svc, "A")
	s, _ := showScreen(t, func(w fyne.Window) *usersScreen { return newUsersScreen(svc, w) })
	waitFor(t, q, "users", func() bool { _, ok := shownUsers(s); return ok })
	s.table.Select(widget.TableCellID{Row: 0, Col: 1})
	waitFor(t, q, "the templates", func() bool { return len(s.detail.templates) == 6 })
	var got []string
	for _, tpl := range s.detail.templates {
		got = append(got, tpl.Type+"/"+tpl.Idx)
	}
	sort.Strings(got)
	want := []string{"Card/", "Face/0", "Fingerprint/0", "Fingerprint/3", "Password/", "UserPhoto/"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("templates %q, want %q", got, want)
	}
	if !objectShows(s.detail.table, "Fingerprint", "Face", "UserPhoto") {
		t.Error("the template table does not show the types")
	}
	if n := len(s.detail.previews.Objects); n != 2 {
		t.Fatalf("%d previews, want the face and the photo", n)
	}
	for _, o := range s.detail.previews.Objects {
		img := findImage(o)
		if img == nil || img.Image == nil || img.Image.Bounds().Dy() != 80 {
			t.Errorf("preview without the image: %#v", img)
		}
	}
	if !strings.Contains(s.detail.title.Text, "Asha Rao") || s.detail.actions.copyBtn.Disabled() {
		t.Errorf("title %q, copy disabled %v", s.detail.title.Text, s.detail.actions.copyBtn.Disabled())
	}
}

func findImage(o fyne.CanvasObject) *canvas.Image {
	for _, x := range test.LaidOutObjects(o) {
		if img, ok := x.(*canvas.Image); ok {
			return img
		}
	}
	return nil
}

func TestCopyRequestCarriesEveryStoredTemplate(t *testing.T) {
	ts := userTemplates(t)
	for i := range ts {
		ts[i].UserID = "1"
	}
	op, req, err := copyRequest(data.User{UserID: "1", FirstName: "Asha", LastName: "Rao", UserType: "User"}, ts)
	if err != nil {
		t.Fatal(err)
	}
	if op.Group != device.GroupAddUser || req.Add == nil || req.Add.User.UserID != "1" || req.Add.User.FirstName != "Asha" {
		t.Fatalf("op %s, request %+v", op.Name, req)
	}
	if len(req.Add.Template) != len(ts) {
		t.Fatalf("%d templates sent, %d stored", len(req.Add.Template), len(ts))
	}
	for _, stored := range ts {
		found := false
		for _, sent := range req.Add.Template {
			if strings.EqualFold(sent.Type, stored.Type) && sent.Data == stored.Data && (stored.Idx == "" || sent.Index == stored.Idx) {
				found = true
			}
		}
		if !found {
			t.Errorf("stored %s %q is not in the request", stored.Type, stored.Idx)
		}
	}
}

// tapDialogButton taps the button labelled text in the window's top overlay.
func tapDialogButton(t *testing.T, w fyne.Window, text string) {
	t.Helper()
	top := w.Canvas().Overlays().Top()
	if top == nil {
		t.Fatalf("no dialog to tap %q in", text)
	}
	for _, o := range test.LaidOutObjects(top) {
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			test.Tap(b)
			return
		}
	}
	t.Fatalf("the dialog has no %q button", text)
}

func TestCopyUserToAnotherDevice(t *testing.T) {
	svc, q := storeServices(t)
	main := newSimDevice(t, "Main Gate", "SIM-MAIN", "")
	back := newSimDevice(t, "Back Door", "SIM-BACK", "")
	addProfiles(t, svc, main.profile, back.profile)
	usersFixture(t, svc, main.profile.STGID)
	s, w := showScreen(t, func(w fyne.Window) *usersScreen { return newUsersScreen(svc, w) })
	waitFor(t, q, "users", func() bool { _, ok := shownUsers(s); return ok })
	waitFor(t, q, "the devices", func() bool { return len(s.devices.devices) == 2 })
	s.table.Select(widget.TableCellID{Row: 0, Col: 1}) // Gate A's user 1, with six templates
	waitFor(t, q, "the templates", func() bool { return len(s.detail.templates) == 6 })

	test.Tap(s.detail.actions.copyBtn)
	if s.detail.actions.dialog == nil {
		t.Fatal("Copy asks nothing")
	}
	tapDialogButton(t, w, "Copy")
	waitFor(t, q, "the answer", func() bool { return !s.detail.actions.sending && s.detail.actions.result.Text != "" })
	if !strings.HasPrefix(s.detail.actions.result.Text, "✓") || !strings.Contains(s.detail.actions.result.Text, "Back Door") {
		t.Fatalf("result %q", s.detail.actions.result.Text)
	}

	var copied simulator.User
	waitFor(t, q, "the user on the other device", func() bool {
		u, ok := back.g.User("1")
		copied = u
		return ok && len(u.Templates) == 6
	})
	if copied.FirstName != "Asha" || copied.LastName != "Rao" {
		t.Errorf("copied %+v", copied)
	}
	stored := userTemplates(t)
	for _, st := range stored {
		found := false
		for _, c := range copied.Templates {
			if strings.EqualFold(c.Type, st.Type) && c.Data == st.Data && (st.Idx == "" || c.Index == st.Idx) {
				found = true
			}
		}
		if !found {
			t.Errorf("the other device lacks %s %q", st.Type, st.Idx)
		}
	}
	reqs := back.g.Requests(1)
	var body struct {
		Add struct {
			Template []json.RawMessage
		}
	}
	if len(reqs) != 1 || json.Unmarshal(reqs[0].Body, &body) != nil || len(body.Add.Template) != 6 {
		t.Errorf("the Add request carried %d templates: %+v", len(body.Add.Template), reqs)
	}
	if _, ok := main.g.User("1"); ok {
		t.Error("the copy went to the user's own device")
	}
}

func TestUserActionsReachTheDevice(t *testing.T) {
	svc, q := storeServices(t)
	sim := newSimDevice(t, "Main Gate", "SIM-ACT", "")
	addProfiles(t, svc, sim.profile)
	if _, err := sim.g.SeedUsers(3); err != nil {
		t.Fatal(err)
	}
	ids := seedPunches(t, svc.Store, []seedPunch{{sim.profile.STGID, "2", "2025-04-01 09:00:00 GMT +0530", "CheckIn"}})
	onDevice, _ := sim.g.User("2")
	seedUser(t, svc.Store, ids[sim.profile.STGID], data.User{UserID: "2", FirstName: onDevice.FirstName, LastName: onDevice.LastName})
	s, w := showScreen(t, func(w fyne.Window) *usersScreen { return newUsersScreen(svc, w) })
	waitUsers(t, q, s, []string{"Gate " + sim.profile.STGID + "/2/on device"})
	waitFor(t, q, "the devices", func() bool { return len(s.devices.devices) == 1 })
	s.table.Select(widget.TableCellID{Row: 0, Col: 0})
	a := s.detail.actions
	if a.disableBtn.Disabled() {
		t.Fatal("actions disabled for a user on a configured device")
	}
	answered := func(what string) {
		t.Helper()
		waitFor(t, q, what, func() bool { return !a.sending && a.result.Text != "" && !strings.HasSuffix(a.result.Text, "…") })
		if !strings.HasPrefix(a.result.Text, "✓") {
			t.Fatalf("%s: %q %q", what, a.result.Text, a.hint.Text)
		}
	}
	deviceUser := func(what string, cond func(simulator.User, bool) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			u, ok := sim.g.User("2")
			if cond(u, ok) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the device never showed %s: %+v", what, u)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	test.Tap(a.disableBtn)
	answered("disable")
	deviceUser("the user disabled", func(u simulator.User, ok bool) bool { return ok && u.Disabled })
	test.Tap(a.enableBtn)
	answered("enable")
	deviceUser("the user enabled", func(u simulator.User, ok bool) bool { return ok && !u.Disabled })

	test.Tap(a.accessBtn)
	tapDialogButton(t, w, "Send")
	answered("access time")
	deviceUser("an access time", func(u simulator.User, ok bool) bool { return ok && strings.HasSuffix(u.AccessStart, "00:00:00") })

	test.Tap(a.enrolBtn)
	tapDialogButton(t, w, "Enrol")
	answered("enrol")

	test.Tap(a.deleteBtn)
	tapDialogButton(t, w, "Delete user")
	answered("delete")
	deviceUser("the user deleted", func(_ simulator.User, ok bool) bool { return !ok })
}

func TestUserActionsNeedAConfiguredDevice(t *testing.T) {
	svc, q := storeServices(t)
	usersFixture(t, svc, "A") // device A is in the store but not configured
	s, _ := showScreen(t, func(w fyne.Window) *usersScreen { return newUsersScreen(svc, w) })
	waitFor(t, q, "users and devices", func() bool { _, ok := shownUsers(s); return ok && len(s.devices.devices) == 2 })
	s.table.Select(widget.TableCellID{Row: 0, Col: 0})
	test.Tap(s.detail.actions.disableBtn)
	if got := s.detail.actions.result.Text; !strings.Contains(got, "is not configured here") {
		t.Errorf("result %q", got)
	}
	test.Tap(s.detail.actions.copyBtn)
	if got := s.detail.actions.result.Text; !strings.Contains(got, "no other configured device") {
		t.Errorf("result %q", got)
	}
}
