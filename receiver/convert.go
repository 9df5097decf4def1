package receiver

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// outcome is what one journal record becomes: the rows to store and the line to log. The writer turns it
// into data.Change values once it knows the record's seq and the device's store id.
type outcome struct {
	received    time.Time
	stgid       string // resolved device, "" when unresolved
	name        string
	kinds       []string
	userID      string
	operationID string
	result      string
	reasons     []string
	problems    int // parts that could not be stored
	body        string

	seen     *data.DeviceSeen
	users    []userPart
	deletion *data.UserDeletion
	punches  []data.Punch
	photos   []data.Photo
	links    []photoLink
	events   []data.Event
	// linkPunches counts the punches added only to attach a photo to a stored punch.
	linkPunches int
	// files is true when photo files were written for this callback (they are synced with its journal batch).
	files bool
	// blobs are the values lifted out of the body while it is converted.
	blobs *blobs
	// known are the configured devices, whose secrets never reach the body or the reasons.
	known []device.Profile
}

type userPart struct {
	user      data.User
	templates []data.Template
	photos    []data.Photo
}

// photoLink is an attendance photo that came without its punch: the writer links it to the stored punch.
type photoLink struct {
	userID    string
	utc       time.Time
	localDate string
	path      string
}

// text returns a decoded string, or the text of the lifted value it names.
func (o *outcome) text(s string) string {
	if o.blobs == nil {
		return s
	}
	return o.blobs.text(s)
}

// jpeg decodes base64 image data (a lifted value is decoded already) and checks that it is a JPEG.
func (o *outcome) jpeg(s string) ([]byte, error) {
	if o.blobs != nil {
		if b := o.blobs.get(s); b != nil {
			return checkJPEG(b.data)
		}
	}
	return decodeJPEG(s)
}

func (o *outcome) reason() string { return strings.Join(o.reasons, "; ") }

func (o *outcome) reject(format string, args ...any) *outcome {
	o.result = data.ResultRejected
	o.addReason(format, args...)
	return o
}

// note records a problem with part of an accepted callback.
func (o *outcome) note(format string, args ...any) {
	o.problems++
	o.addReason(format, args...)
}

// fail records an internal failure (a file that could not be written); the rest is still stored.
func (o *outcome) fail(format string, args ...any) {
	o.result = data.ResultError
	o.addReason(format, args...)
}

func (o *outcome) addReason(format string, args ...any) {
	o.reasons = append(o.reasons, hideSecrets(fmt.Sprintf(format, args...), o.known))
}

func (o *outcome) setUser(id string) {
	if o.userID == "" {
		o.userID = id
	}
}

// stored reports whether the outcome carries rows beyond its journal row.
func (o *outcome) stored() bool { return o.result != data.ResultRejected && o.stgid != "" }

// converter decodes callbacks. Its methods are safe for concurrent use.
type converter struct {
	dataDir string
	dir     *directory
	log     *slog.Logger
	// photoDevices holds, by stgid, whether the device's photo folder exists: a punch looks for an
	// attendance photo that came before it only then (a stat per punch saved for devices without photos).
	photoDevices sync.Map
}

// mayHavePhotos reports whether the device's photo folder exists.
func (c *converter) mayHavePhotos(stgid string) bool {
	if has, ok := c.photoDevices.Load(stgid); ok {
		return has.(bool)
	}
	info, err := os.Stat(filepath.Join(c.dataDir, PhotosDir, safeName(stgid)))
	// A photo saved meanwhile has stored true: that one stays.
	has, _ := c.photoDevices.LoadOrStore(stgid, err == nil && info.IsDir())
	return has.(bool)
}

// safePrepare is prepare with a bug in decoding turned into an error outcome rather than a crash.
func (c *converter) safePrepare(rec record) (o *outcome) {
	defer func() {
		if v := recover(); v != nil {
			c.log.Error("callback decoding failed", "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			o = &outcome{received: rec.Received, result: data.ResultError, reasons: []string{"internal error while decoding"},
				body: "<" + strconv.Itoa(len(rec.Body)) + " bytes>"}
		}
	}()
	return c.prepare(rec)
}

// prepare decodes one record, checks its token and writes its photo files. It never fails: every problem
// becomes the outcome's result and reason.
func (c *converter) prepare(rec record) *outcome {
	o := &outcome{received: rec.Received, result: data.ResultAccepted}
	if rec.tooLarge() {
		return o.reject("body over %d MiB refused", MaxBody>>20)
	}
	profiles := c.dir.profiles()
	o.known = profiles
	var prof *device.Profile
	if rec.STGID != "" {
		p, ok := profileBySTGID(profiles, rec.STGID)
		if !ok {
			o.body = shorten(rec.Body, false, profiles)
			return o.reject("unknown service tag id %q in the callback URL: no device in the settings has it", rec.STGID)
		}
		prof = &p
	}
	if len(bytes.TrimSpace(rec.Body)) == 0 {
		return o.reject("empty body")
	}
	plain, decryptedBy, err := openBody(rec.Body, prof, profiles)
	if err != nil {
		o.body = shorten(rec.Body, false, profiles)
		return o.reject("%v", err)
	}
	toDecode, toShorten, bs := lift(plain)
	cb, err := device.DecodeCallback(toDecode)
	o.body = shorten(toShorten, err == nil, profiles)
	if err != nil {
		return o.reject("%v", err)
	}
	o.kinds = cb.Kinds()
	opID, serial, label := cb.Envelope()
	o.operationID = opID
	token := cb.Token()
	shared := false
	if prof == nil && serial != "" {
		if p, ok := profileBySTGID(profiles, c.dir.stgidOfSerial(serial)); ok {
			prof = &p
		}
	}
	if prof == nil && decryptedBy != nil {
		prof = decryptedBy
	}
	if prof == nil {
		if p, ok, sh := profileByToken(profiles, token); ok {
			prof, shared = &p, sh
		}
	}
	if prof == nil {
		return o.reject("%s", unknownDevice(serial))
	}
	o.stgid, o.name = prof.STGID, prof.Name
	switch {
	case token == "":
		return o.reject("missing AuthToken")
	case !tokenMatches(*prof, token):
		return o.reject("wrong AuthToken")
	}
	zone, err := prof.Location()
	if err != nil {
		zone = time.Local
		o.note("device time zone %q unreadable, used the computer's", prof.TimeZone)
	}
	if shared {
		// Several devices share this token: do not pin the serial number on a guess.
		serial = ""
		o.note("several devices have this callback token; add ?stgid= to the callback URL to tell them apart")
	}
	o.seen = &data.DeviceSeen{SerialNumber: serial, LabelName: label, At: rec.Received}
	o.blobs = bs
	c.convert(o, cb, zone)
	o.blobs = nil
	return o
}

// convert fills the outcome's rows from every part of the callback.
func (c *converter) convert(o *outcome, cb *device.Callback, zone *time.Location) {
	if rt := cb.RealTime; rt != nil {
		var live *data.Punch
		if rt.PunchLog != nil {
			if p, ok := c.punch(o, *rt.PunchLog, zone, data.SourceCallback); ok {
				o.punches = append(o.punches, p)
				live = &o.punches[len(o.punches)-1]
			}
		}
		if rt.Log != nil {
			c.attendancePhoto(o, *rt.Log, zone, live)
		}
		if rt.UserUpdated != nil {
			u := rt.UserUpdated
			c.user(o, device.UserInfo{UserID: u.UserID, FirstName: u.FirstName, LastName: u.LastName,
				UserType: u.UserType, Template: u.Template}, string(u.OperationTime), zone)
		}
		if rt.UserDeleted != nil {
			c.userDeleted(o, *rt.UserDeleted, zone)
		}
		if rt.DateModified != nil {
			dm := rt.DateModified
			at := c.when(string(dm.OperationTime), zone, o.received)
			o.events = append(o.events, data.Event{Kind: data.EventDateModified, Detail: string(dm.ModifiedTo),
				OperationTime: string(dm.OperationTime), UTC: at.UTC, LocalDate: at.LocalDate()})
		}
	}
	if cb.PunchLog != nil {
		for _, l := range cb.PunchLog.Log {
			if p, ok := c.punch(o, l, zone, data.SourceResend); ok {
				o.punches = append(o.punches, p)
			}
		}
	}
	if cb.Load != nil {
		for _, u := range cb.Load.UserInfo {
			c.user(o, u, "", zone)
		}
		for _, l := range cb.Load.PunchLog {
			if p, ok := c.punch(o, l, zone, data.SourceResend); ok {
				o.punches = append(o.punches, p)
			}
		}
	}
	empty := len(o.punches) == 0 && len(o.users) == 0 && o.deletion == nil && len(o.events) == 0 &&
		len(o.photos) == 0 && len(o.links) == 0
	if empty && o.problems > 0 && o.result == data.ResultAccepted {
		o.result = data.ResultRejected
	}
}

// when reads a device time, falling back to the received time.
func (c *converter) when(text string, zone *time.Location, received time.Time) device.Time {
	if text != "" {
		if t, err := device.ParseTime(text, zone); err == nil {
			return t
		}
	}
	utc := received.UTC().Truncate(time.Second)
	local := utc.In(zone)
	_, off := local.Zone()
	return device.Time{UTC: utc, Local: local.Format(device.WallLayout), Offset: off}
}

func (c *converter) punch(o *outcome, l device.PunchLog, zone *time.Location, source string) (data.Punch, bool) {
	p, err := PunchFromLog(0, l, zone, source)
	if err != nil {
		o.note("%v", err)
		return data.Punch{}, false
	}
	o.setUser(p.UserID)
	// The attendance photo may have come first: it is saved under a name made from the punch.
	if !c.mayHavePhotos(o.stgid) {
		return p, true
	}
	if rel := attendancePhotoPath(o.stgid, p.UserID, p.Local); fileExists(c.dataDir, rel) {
		p.PhotoPath = rel
	}
	return p, true
}

func (c *converter) attendancePhoto(o *outcome, l device.AttendancePhoto, zone *time.Location, live *data.Punch) {
	user := strings.TrimSpace(string(l.UserID))
	o.setUser(user)
	if user == "" {
		o.note("attendance photo has no UserID: no file stored")
		return
	}
	t, err := device.ParseTime(string(l.LogTime), zone)
	if err != nil {
		o.note("attendance photo of user %q: LogTime: %v: no file stored", user, err)
		return
	}
	if strings.TrimSpace(string(l.LogPhoto)) == "" {
		o.reasons = append(o.reasons, "empty LogPhoto: no file stored")
		return
	}
	img, err := o.jpeg(string(l.LogPhoto))
	if err != nil {
		o.note("attendance photo of user %q: %v: no file stored", user, err)
		c.log.Warn("attendance photo not stored", "device", o.name, "user", user, "err", err)
		return
	}
	rel := attendancePhotoPath(o.stgid, user, t.Local)
	if err := writeFile(c.dataDir, rel, img); err != nil {
		o.fail("attendance photo of user %q: %v", user, err)
		c.log.Error("attendance photo not saved", "device", o.name, "user", user, "err", err)
		return
	}
	o.files = true
	c.photoDevices.Store(o.stgid, true)
	o.photos = append(o.photos, data.Photo{UserID: user, Kind: data.PhotoAttendance, UTC: t.UTC,
		Local: t.Local, LocalDate: t.LocalDate(), Path: rel, Bytes: len(img)})
	if live != nil && live.UserID == user {
		live.PhotoPath = rel
		return
	}
	o.links = append(o.links, photoLink{userID: user, utc: t.UTC, localDate: t.LocalDate(), path: rel})
}

func (c *converter) user(o *outcome, u device.UserInfo, opTime string, zone *time.Location) {
	id := strings.TrimSpace(string(u.UserID))
	if id == "" {
		o.note("user update has no UserID")
		return
	}
	o.setUser(id)
	at := c.when(opTime, zone, o.received)
	part := userPart{user: data.User{UserID: id, FirstName: string(u.FirstName), LastName: string(u.LastName),
		UserType: string(u.UserType)}}
	for _, t := range u.Template {
		typ, idx := t.Key()
		if typ == "" {
			o.note("template of user %q has no Type", id)
			continue
		}
		row := data.Template{UserID: id, Type: typ, Idx: idx, Size: t.Size.Int(), Data: o.text(string(t.Data))}
		if typ == device.Face || typ == device.UserPhoto {
			row.Path = c.templatePhoto(o, &part, id, typ, idx, string(t.Data), at)
		}
		part.templates = append(part.templates, row)
	}
	o.users = append(o.users, part)
}

// templatePhoto saves a Face or UserPhoto template as a JPEG for the gallery and returns its path, or "".
func (c *converter) templatePhoto(o *outcome, part *userPart, user, typ, idx, b64 string, at device.Time) string {
	if strings.TrimSpace(b64) == "" {
		return ""
	}
	img, err := o.jpeg(b64)
	if err != nil {
		// Face templates of some devices are feature data, not pictures: keep the template, skip the file.
		c.log.Debug("template image not saved", "device", o.name, "user", user, "type", typ, "err", err)
		return ""
	}
	rel := templatePhotoPath(o.stgid, user, typ, idx)
	if err := writeFile(c.dataDir, rel, img); err != nil {
		o.fail("%s of user %q: %v", typ, user, err)
		c.log.Error("template image not saved", "device", o.name, "user", user, "type", typ, "err", err)
		return ""
	}
	o.files = true
	kind := data.PhotoFace
	if typ == device.UserPhoto {
		kind = data.PhotoUser
	}
	part.photos = append(part.photos, data.Photo{UserID: user, Kind: kind, UTC: at.UTC, Local: at.Local,
		LocalDate: at.LocalDate(), Path: rel, Bytes: len(img)})
	return rel
}

func (c *converter) userDeleted(o *outcome, d device.UserDeleted, zone *time.Location) {
	id := strings.TrimSpace(string(d.UserID))
	if id == "" {
		o.note("user deletion has no UserID")
		return
	}
	o.setUser(id)
	at := c.when(string(d.OperationTime), zone, o.received)
	o.deletion = &data.UserDeletion{UserID: id, At: at.UTC}
	o.events = append(o.events, data.Event{Kind: data.EventUserDeleted, UserID: id,
		OperationTime: string(d.OperationTime), UTC: at.UTC, LocalDate: at.LocalDate()})
}

// changes turns the outcome into store changes: the first carries the journal row and everything but the
// second and later users of a resend, which follow in changes of their own. seen, when not nil, updates the
// device row.
func (o *outcome) changes(seq uint64, deviceID uint, seen *data.DeviceSeen) []data.Change {
	cb := &data.Callback{Seq: seq, ReceivedAt: o.received.UTC(), DeviceID: deviceID, Kinds: strings.Join(o.kinds, ","),
		UserID: o.userID, OperationID: o.operationID, Result: o.result, Reason: o.reason(), Body: o.body}
	first := data.Change{DeviceID: deviceID, Callback: cb}
	if !o.stored() || deviceID == 0 {
		return []data.Change{first}
	}
	first.Seen = seen
	out := []data.Change{first}
	for i, u := range o.users {
		ch := &out[0]
		if i > 0 {
			out = append(out, data.Change{DeviceID: deviceID})
			ch = &out[len(out)-1]
		}
		user := u.user
		ch.User, ch.Templates = &user, u.templates
		ch.Photos = append(ch.Photos, u.photos...)
	}
	out[0].Deletion = o.deletion
	out[0].Punches = o.punches
	out[0].Photos = append(out[0].Photos, o.photos...)
	out[0].Events = o.events
	return out
}
