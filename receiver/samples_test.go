package receiver

import (
	"bytes"
	"context"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/data/datatest"
	"github.com/camsdesk/camsdesk/device"
)

func sealWith(t *testing.T, body []byte, key string) []byte {
	t.Helper()
	s, err := device.Encrypt(bytes.TrimSpace(body), key)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(s)
}

func mustUser(t *testing.T, g *rig, id uint, user string) data.User {
	t.Helper()
	u, err := g.store.User(context.Background(), id, user)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func isJPEGFile(t *testing.T, dir, rel string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatalf("photo %s: %v", rel, err)
	}
	if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil {
		t.Fatalf("photo %s is not a JPEG: %v", rel, err)
	}
}

func oneTemplate(t *testing.T, ts []data.Template, typ, idx string) data.Template {
	t.Helper()
	for _, tp := range ts {
		if tp.Type == typ && tp.Idx == idx {
			return tp
		}
	}
	t.Fatalf("no %s template with index %q in %+v", typ, idx, ts)
	return data.Template{}
}

// TestSpecSamples posts every callback sample of the spec and the odd forms of the protocol notes and checks
// what was stored.
func TestSpecSamples(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		tests := []struct {
			file  string
			query string
			kinds string
			user  string
			check func(t *testing.T, g *rig, id uint)
		}{
			{"01_user_deleted.json", "stgid=" + mainSTGID, "UserDeleted", "1", func(t *testing.T, g *rig, id uint) {
				u := mustUser(t, g, id, "1")
				if u.DeletedAt == nil || !u.DeletedAt.Equal(time.Date(2020, 9, 17, 2, 18, 20, 0, time.UTC)) {
					t.Errorf("deleted_at = %v, want the OperationTime instant", u.DeletedAt)
				}
				evs, _ := g.store.Events(context.Background(), data.EventFilter{Kind: data.EventUserDeleted})
				if len(evs) != 1 || evs[0].UserID != "1" || evs[0].LocalDate != "2020-09-17" {
					t.Errorf("events = %+v", evs)
				}
			}},
			{"02_date_modified.json", "stgid=" + mainSTGID, "DateModified", "", func(t *testing.T, g *rig, id uint) {
				evs, _ := g.store.Events(context.Background(), data.EventFilter{DeviceID: id})
				if len(evs) != 1 || evs[0].Kind != data.EventDateModified || evs[0].Detail != "2020-09-18 09:00:00 GMT +0530" ||
					evs[0].OperationTime != "2020-09-17 07:48:21 GMT +0530" {
					t.Errorf("events = %+v", evs)
				}
			}},
			{"03_user_updated_card.json", "", "UserUpdated", "3", func(t *testing.T, g *rig, id uint) {
				u := mustUser(t, g, id, "3")
				if u.FirstName != "Asha" || u.LastName != "Rao" || u.UserType != "User" || u.DeletedAt != nil {
					t.Errorf("user = %+v", u)
				}
				tp := oneTemplate(t, g.templates(id, "3"), "Card", "")
				if tp.Data != "4100123456" {
					t.Errorf("card = %q", tp.Data)
				}
			}},
			{"04_user_updated_password.json", "", "UserUpdated", "3", func(t *testing.T, g *rig, id uint) {
				if tp := oneTemplate(t, g.templates(id, "3"), "Password", ""); tp.Data != "4821" {
					t.Errorf("password = %q", tp.Data)
				}
			}},
			{"05_user_updated_fingerprint.json", "", "UserUpdated", "3", func(t *testing.T, g *rig, id uint) {
				tp := oneTemplate(t, g.templates(id, "3"), "Fingerprint", "0")
				if tp.Size != 1176 || !strings.HasPrefix(tp.Data, "TU9DSyBG") || tp.Path != "" {
					t.Errorf("fingerprint = %+v", tp)
				}
			}},
			{"06_user_updated_face.json", "", "UserUpdated", "3", func(t *testing.T, g *rig, id uint) {
				tp := oneTemplate(t, g.templates(id, "3"), "Face", "0")
				if !strings.HasPrefix(tp.Data, "/9j/") || tp.Path != "photos/STG-MAIN/users/3_face_0.jpg" {
					t.Errorf("face = %+v", tp)
				}
				isJPEGFile(t, g.dir, tp.Path)
				ph, _ := g.store.Photos(context.Background(), data.PhotoFilter{Kind: data.PhotoFace})
				if len(ph) != 1 || ph[0].Path != tp.Path || ph[0].UserID != "3" {
					t.Errorf("photos = %+v", ph)
				}
			}},
			{"07_user_updated_palm.json", "", "UserUpdated", "3", func(t *testing.T, g *rig, id uint) {
				if tp := oneTemplate(t, g.templates(id, "3"), "Palm", "1"); !strings.HasPrefix(tp.Data, "UEFMTS") {
					t.Errorf("palm = %+v", tp)
				}
			}},
			{"08_user_updated_userphoto.json", "", "UserUpdated", "3", func(t *testing.T, g *rig, id uint) {
				tp := oneTemplate(t, g.templates(id, "3"), "UserPhoto", "")
				if tp.Path != "photos/STG-MAIN/users/3_userphoto.jpg" {
					t.Errorf("user photo = %+v", tp)
				}
				isJPEGFile(t, g.dir, tp.Path)
			}},
			{"09_user_updated_without_template.json", "", "UserUpdated", "4", func(t *testing.T, g *rig, id uint) {
				if u := mustUser(t, g, id, "4"); u.FirstName != "Ravi" {
					t.Errorf("user = %+v", u)
				}
				if ts := g.templates(id, "4"); len(ts) != 0 {
					t.Errorf("templates = %+v", ts)
				}
			}},
			{"10_attendance_photo.json", "stgid=" + mainSTGID, "Log", "3", func(t *testing.T, g *rig, id uint) {
				want := "photos/STG-MAIN/2020-09-17/3_074822.jpg"
				if got := photoFiles(t, g.dir); len(got) != 1 || got[0] != want {
					t.Fatalf("photo files = %v, want [%s]", got, want)
				}
				isJPEGFile(t, g.dir, want)
				ph, _ := g.store.Photos(context.Background(), data.PhotoFilter{Kind: data.PhotoAttendance})
				if len(ph) != 1 || ph[0].Path != want || ph[0].LocalDate != "2020-09-17" {
					t.Errorf("photos = %+v", ph)
				}
			}},
			{"10_attendance_photo_empty.json", "stgid=" + mainSTGID, "Log", "3", func(t *testing.T, g *rig, id uint) {
				if got := photoFiles(t, g.dir); len(got) != 0 {
					t.Errorf("photo files = %v, want none", got)
				}
				if cb := g.lastCallback(); cb.Result != data.ResultAccepted {
					t.Errorf("callback = %+v", cb)
				}
			}},
			{"11_punch_log.json", "", "PunchLog", "2", func(t *testing.T, g *rig, id uint) {
				ps := g.punches(data.PunchFilter{})
				if len(ps) != 1 {
					t.Fatalf("punches = %+v", ps)
				}
				p := ps[0]
				if p.DeviceID != id || p.UserID != "2" || !p.UTC.Equal(time.Date(2020, 9, 17, 2, 18, 22, 0, time.UTC)) ||
					p.Local != "2020-09-17 07:48:22" || p.LocalDate != "2020-09-17" || p.UTCOffset != 19800 ||
					p.LogTime != "2020-09-17 07:48:22 GMT +0530" || p.Type != "CheckIn" || p.InputType != "Fingerprint" ||
					p.Temperature == nil || *p.Temperature != 36.8 || p.FaceMask == nil || *p.FaceMask ||
					p.Source != data.SourceCallback || p.PhotoPath != "" {
					t.Errorf("punch = %+v", p)
				}
				d, _ := g.store.DeviceByID(context.Background(), id)
				if d.LabelName != "Main Gate" || d.SerialNumber != "CAMS-SN-0001" || d.LastSeen == nil {
					t.Errorf("device = %+v", d)
				}
			}},
			{"odd_batch_resend.json", "stgid=" + mainSTGID, "PunchLogBatch", "EMP-0001", func(t *testing.T, g *rig, id uint) {
				ps := g.punches(data.PunchFilter{UserID: "EMP-0001"})
				if len(ps) != 2 {
					t.Fatalf("punches = %+v", ps)
				}
				out := ps[0] // newest first
				if out.Type != "CheckOut" || out.Source != data.SourceResend || out.UTCOffset != 3*3600 ||
					out.Temperature == nil || *out.Temperature != 36.6 || out.FaceMask == nil || !*out.FaceMask {
					t.Errorf("punch = %+v", out)
				}
			}},
			{"odd_load_userinfo.json", "stgid=" + mainSTGID, "UserInfo,PunchLogBatch", "5", func(t *testing.T, g *rig, id uint) {
				if u := mustUser(t, g, id, "5"); u.FirstName != "Meera" {
					t.Errorf("user 5 = %+v", u)
				}
				if u := mustUser(t, g, id, "6"); u.UserType != "Admin" {
					t.Errorf("user 6 = %+v", u)
				}
				if tp := oneTemplate(t, g.templates(id, "6"), "Fingerprint", "2"); tp.Size != 1176 {
					t.Errorf("template = %+v", tp)
				}
				if ps := g.punches(data.PunchFilter{UserID: "5"}); len(ps) != 1 || ps[0].Source != data.SourceResend {
					t.Errorf("punches = %+v", ps)
				}
			}},
			{"odd_several_subkeys.json", "", "PunchLog,Log", "3", func(t *testing.T, g *rig, id uint) {
				ps := g.punches(data.PunchFilter{UserID: "3"})
				want := "photos/STG-MAIN/2020-09-17/3_180210.jpg"
				if len(ps) != 1 || ps[0].PhotoPath != want || ps[0].Type != "CheckOut" {
					t.Fatalf("punches = %+v", ps)
				}
				isJPEGFile(t, g.dir, want)
			}},
			{"odd_loose_types.json", "", "PunchLog", "7", func(t *testing.T, g *rig, id uint) {
				ps := g.punches(data.PunchFilter{UserID: "7"})
				if len(ps) != 1 {
					t.Fatalf("punches = %+v", ps)
				}
				p := ps[0]
				// No offset in LogTime: the device's zone (+05:30) applies.
				if p.Type != "MealStart" || p.InputType != "Vein" || p.Temperature != nil || p.FaceMask != nil ||
					p.UTCOffset != 19800 || !p.UTC.Equal(time.Date(2025, 4, 16, 5, 15, 22, 0, time.UTC)) {
					t.Errorf("punch = %+v", p)
				}
			}},
			{"odd_encrypted_punch.txt", "stgid=" + sealedSTGID, "PunchLog", "2", func(t *testing.T, g *rig, id uint) {
				if ps := g.punches(data.PunchFilter{DeviceID: g.deviceID(sealedSTGID)}); len(ps) != 1 || ps[0].UserID != "2" {
					t.Errorf("punches = %+v", ps)
				}
			}},
			{"odd_encrypted_zero_padded.txt", "", "UserDeleted", "1", func(t *testing.T, g *rig, id uint) {
				// No stgid: the key that opens it names the device.
				if u := mustUser(t, g, g.deviceID(sealedSTGID), "1"); u.DeletedAt == nil {
					t.Errorf("user = %+v", u)
				}
			}},
		}
		for _, tc := range tests {
			t.Run(tc.file, func(t *testing.T) {
				g := newRig(t, datatest.New(t, db.Name))
				if !strings.HasPrefix(tc.file, "odd_encrypted") {
					// Only the sealed device shares the fixtures' token; without it the token names Main Gate.
					g.mu.Lock()
					g.profiles = g.profiles[:1]
					g.mu.Unlock()
				}
				g.post(tc.query, fixture(t, tc.file))
				cb := g.lastCallback()
				if cb.Result != data.ResultAccepted || cb.Kinds != tc.kinds || cb.UserID != tc.user {
					t.Fatalf("callback row = %+v", cb)
				}
				if strings.Contains(cb.Body, testToken) || strings.Contains(cb.Body, "/9j/") || strings.Contains(cb.Body, "TU9DSyBG") {
					t.Errorf("journal row body keeps a token or a blob: %s", cb.Body)
				}
				id := cb.DeviceID
				if id == 0 {
					t.Fatal("callback row has no device")
				}
				tc.check(t, g, id)
				log := g.callbackLog()
				if !strings.Contains(log, "kind="+tc.kinds) || !strings.Contains(log, "result=accepted") || strings.Contains(log, testToken) {
					t.Errorf("callback log = %q", log)
				}
			})
		}
	})
}

// TestTemplateMerge is the spec's three steps: a callback never removes templates it does not mention.
func TestTemplateMerge(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		fp := string(fixture(t, "05_user_updated_fingerprint.json"))
		face := fixture(t, "06_user_updated_face.json")
		card := fixture(t, "03_user_updated_card.json")

		g.post("", []byte(fp)) // 1: fingerprint index 0
		id := g.deviceID(mainSTGID)
		// 2: face index 0 and card, in one callback.
		both := strings.Replace(string(face), `"Template":[`, `"Template":[{"Type":"Card","UserID":"3","Data":"4100999999"},`, 1)
		g.post("", []byte(both))
		ts := g.templates(id, "3")
		if len(ts) != 3 {
			t.Fatalf("after step 2: %d templates, want 3: %+v", len(ts), ts)
		}
		oldFP := oneTemplate(t, ts, "Fingerprint", "0")
		// 3: fingerprint index 0 with new data replaces only it (spelled FingerPrint by this device).
		upd := strings.Replace(fp, "TU9DSyBG", "TkVXREFUQQ", 1)
		upd = strings.Replace(upd, `"Type":"Fingerprint"`, `"Type":"FingerPrint"`, 1)
		g.post("", []byte(upd))
		ts = g.templates(id, "3")
		if len(ts) != 3 {
			t.Fatalf("after step 3: %d templates, want 3: %+v", len(ts), ts)
		}
		if got := oneTemplate(t, ts, "Fingerprint", "0"); got.Data == oldFP.Data || !strings.HasPrefix(got.Data, "TkVXREFUQQ") {
			t.Errorf("fingerprint not replaced: %q", got.Data)
		}
		if got := oneTemplate(t, ts, "Card", ""); got.Data != "4100999999" {
			t.Errorf("card = %q", got.Data)
		}
		oneTemplate(t, ts, "Face", "0")
		// A second card replaces the first: cards are keyed by type alone.
		g.post("", card)
		if got := oneTemplate(t, g.templates(id, "3"), "Card", ""); got.Data != "4100123456" {
			t.Errorf("card = %q", got.Data)
		}
		if n := len(g.templates(id, "3")); n != 3 {
			t.Errorf("%d templates, want 3", n)
		}
	})
}

// TestDuplicates checks that gateway retries, resend batches and LoadLog imports never double a punch.
func TestDuplicates(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		punch := fixture(t, "11_punch_log.json")
		for i := 0; i < 3; i++ {
			g.post("", punch)
		}
		// The same punch in a resend batch, with the offset written differently.
		batch := `{"PunchLog":{"ReturnRowCount":"1","Log":[{"Type":"CheckIn","UserID":"2","LogTime":"2020-09-17 07:48:22 +05:30"}]},"AuthToken":"` + testToken + `"}`
		g.post("stgid="+mainSTGID, []byte(batch))
		if n := g.countPunches(); n != 1 {
			t.Fatalf("%d punches, want 1", n)
		}
		if n := len(g.callbacks()); n != 4 {
			t.Errorf("%d callback rows, want 4 (every callback is journaled)", n)
		}
		p := g.punches(data.PunchFilter{})[0]
		if p.Source != data.SourceCallback {
			t.Errorf("source = %q: the first copy wins", p.Source)
		}
	})
}

// TestPhotoLinks attaches an attendance photo to its punch whichever arrives first.
func TestPhotoLinks(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		photo := string(fixture(t, "10_attendance_photo.json"))
		punch := string(fixture(t, "11_punch_log.json"))
		punch3 := strings.Replace(punch, `"UserId":"2"`, `"UserId":"3"`, 1)
		t.Run("punch first", func(t *testing.T) {
			g := newRig(t, datatest.New(t, db.Name))
			g.post("", []byte(punch3))
			// The photo's LogTime is a few seconds after the punch.
			g.post("stgid="+mainSTGID, []byte(strings.Replace(photo, "07:48:22", "07:48:30", 1)))
			ps := g.punches(data.PunchFilter{UserID: "3"})
			if len(ps) != 1 || ps[0].PhotoPath != "photos/STG-MAIN/2020-09-17/3_074830.jpg" || ps[0].Type != "CheckIn" {
				t.Fatalf("punches = %+v", ps)
			}
			if n := g.countPunches(); n != 1 {
				t.Errorf("%d punches, want 1", n)
			}
		})
		t.Run("photo first", func(t *testing.T) {
			g := newRig(t, datatest.New(t, db.Name))
			g.post("stgid="+mainSTGID, []byte(photo))
			if n := g.countPunches(); n != 0 {
				t.Fatalf("a photo alone made %d punches", n)
			}
			g.post("", []byte(punch3))
			ps := g.punches(data.PunchFilter{UserID: "3"})
			if len(ps) != 1 || ps[0].PhotoPath != "photos/STG-MAIN/2020-09-17/3_074822.jpg" || ps[0].Type != "CheckIn" {
				t.Fatalf("punches = %+v", ps)
			}
		})
		t.Run("photo first, after punches of a device that had sent none", func(t *testing.T) {
			g := newRig(t, datatest.New(t, db.Name))
			g.post("", []byte(strings.Replace(punch, `"UserId":"2"`, `"UserId":"9"`, 1)))
			g.post("stgid="+mainSTGID, []byte(photo))
			g.post("", []byte(punch3))
			ps := g.punches(data.PunchFilter{UserID: "3"})
			if len(ps) != 1 || ps[0].PhotoPath != "photos/STG-MAIN/2020-09-17/3_074822.jpg" {
				t.Fatalf("punches = %+v", ps)
			}
		})
	})
}

// TestDeviceResolution finds the device by stgid, then by the serial number seen before, then by token.
func TestDeviceResolution(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		other := testProfiles()[0]
		other.Name, other.STGID, other.CallbackAuthToken, other.AuthToken = "Back Door", "STG-BACK", otherToken, otherToken
		g.mu.Lock()
		g.profiles = append(g.profiles, other)
		g.mu.Unlock()

		withToken := func(b []byte, tok string) []byte { return replaceAll(b, testToken, tok) }
		punch := fixture(t, "11_punch_log.json")
		// 1. stgid names Back Door: its serial number is recorded there.
		g.post("stgid=STG-BACK", withToken(punch, otherToken))
		back := g.deviceID("STG-BACK")
		// 2. No stgid, same serial: Back Door again.
		next := replaceAll(withToken(punch, otherToken), "07:48:22", "08:00:00")
		g.post("", next)
		if ps := g.punches(data.PunchFilter{DeviceID: back}); len(ps) != 2 {
			t.Errorf("Back Door has %d punches, want 2", len(ps))
		}
		// 3. No stgid, no serial: the token names the device.
		bare := `{"RealTime":{"OperationID":"x","AuthToken":"` + otherToken + `","Time":"","PunchLog":{"Type":"CheckIn","UserId":"9","LogTime":"2020-09-17 09:00:00 GMT +0530"}}}`
		g.post("", []byte(bare))
		if ps := g.punches(data.PunchFilter{UserID: "9"}); len(ps) != 1 || ps[0].DeviceID != back {
			t.Errorf("punches of 9 = %+v", ps)
		}
		// 4. The profile's token changes while running: the new one is checked from the next callback on.
		g.mu.Lock()
		g.profiles[2].CallbackAuthToken = testToken
		g.mu.Unlock()
		g.post("stgid=STG-BACK", replaceAll(withToken(punch, otherToken), "07:48:22", "09:30:00"))
		if cb := g.lastCallback(); cb.Result != data.ResultRejected || cb.Reason != "wrong AuthToken" {
			t.Errorf("callback = %+v", cb)
		}
	})
}

// TestSealedOldKey opens a body sealed with the previous security key while the key is being rotated.
func TestSealedOldKey(t *testing.T) {
	datatest.Run(t, func(t *testing.T, db datatest.DB) {
		g := newRig(t, db)
		sealed := sealWith(t, fixture(t, "11_punch_log.json"), testOldKey)
		g.post("stgid="+sealedSTGID, sealed)
		if n := g.countPunches(); n != 1 {
			t.Fatalf("%d punches, want 1; callback %+v", n, g.lastCallback())
		}
		// A body sealed with an unknown key is rejected and says why.
		g.post("stgid="+sealedSTGID, sealWith(t, fixture(t, "01_user_deleted.json"), "UnknownKeyUnknownKeyUnknownKey12"))
		if cb := g.lastCallback(); cb.Result != data.ResultRejected || !strings.Contains(cb.Reason, "neither security key") {
			t.Errorf("callback = %+v", cb)
		}
	})
}
