package simulator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/camsdesk/camsdesk/device"
)

// outcome is what an operation answers and the callbacks it queues for later.
type outcome struct {
	code int
	msg  string
	info *deviceInfo
	page *logPage
	jobs []job
}

func failf(code int, format string, args ...any) outcome {
	return outcome{code: code, msg: fmt.Sprintf(format, args...)}
}

// deviceInfo is LoadDeviceInformation's answer, with the gateway's spelling ReigsteredFingerprints.
type deviceInfo struct {
	DeviceModel                    string `json:"DeviceModel"`
	Manufacturer                   string `json:"Manufacturer"`
	MacAddress                     string `json:"MacAddress"`
	SerialNumber                   string `json:"SerialNumber"`
	StartDate                      string `json:"StartDate"`
	EndDate                        string `json:"EndDate"`
	LastConnectedTime              string `json:"LastConnectedTime"`
	RegisteredUsers                string `json:"RegisteredUsers"`
	RegisteredFaces                string `json:"RegisteredFaces"`
	ReigsteredFingerprints         string `json:"ReigsteredFingerprints"`
	MaximumFacesSupported          string `json:"MaximumFacesSupported"`
	MaximumFingerprintsSupported   string `json:"MaximumFingerprintsSupported"`
	MaximumAttendanceLogsSupported string `json:"MaximumAttendanceLogsSupported"`
}

// logPage is LoadLog's page of punches; counts are text as the gateway writes them.
type logPage struct {
	ReturnRowCount string   `json:"ReturnRowCount"`
	ActualRowCount string   `json:"ActualRowCount"`
	OffSet         string   `json:"OffSet"`
	Log            []logRow `json:"Log"`
}

// filterWire is a punch filter as requests carry it; OffSet may be text or a number.
type filterWire struct {
	StartTime device.Text `json:"StartTime"`
	EndTime   device.Text `json:"EndTime"`
	OffSet    device.Text `json:"OffSet"`
}

type punchLogQuery struct {
	Filter *filterWire `json:"Filter"`
}

// dispatch carries out the operation in one verb section.
func (g *Gateway) dispatch(verb string, section json.RawMessage) (string, outcome) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(section, &fields); err != nil {
		return verb, failf(1, "%s must be an object", verb)
	}
	has := func(k string) bool { v, ok := fields[k]; return ok && !bytes.Equal(v, []byte("null")) }
	// only names the one key of keys present, or "" when none or several are.
	only := func(keys ...string) string {
		found := ""
		for _, k := range keys {
			if has(k) {
				if found != "" {
					return ""
				}
				found = k
			}
		}
		return found
	}
	unknown := failf(1, "%s holds no operation this gateway knows", verb)
	switch verb {
	case "Load":
		switch k := only("PunchLog", "DeviceInformation"); k {
		case "PunchLog":
			return "LoadLog", g.loadLog(fields[k])
		case "DeviceInformation":
			return "LoadDeviceInformation", g.loadDeviceInformation(fields[k])
		}
	case "Add":
		if has("User") {
			var probe struct{ Template []json.RawMessage }
			_ = json.Unmarshal(section, &probe)
			name := "AddUserWithoutTemplate"
			if len(probe.Template) > 0 {
				name = "AddUser"
			}
			return name, g.addUser(section)
		}
		return "AddUser", failf(14, `Add needs User with a UserID`)
	case "Delete":
		switch k := only("User", "Log", "PunchPhoto"); k {
		case "User":
			if s, ok := jsonString(fields[k]); ok {
				return "DeleteAllUser", g.deleteAllUsers(s)
			}
			return "DeleteUser", g.deleteUser(fields[k])
		case "Log":
			return "DeleteLogAll", g.deleteLogs(fields[k])
		case "PunchPhoto":
			return "DeleteAttendancePhoto", g.deletePhotos(fields[k])
		}
	case "Resend":
		switch k := only("PunchLog", "User"); k {
		case "PunchLog":
			return "ResendAttendance", g.resendAttendance(fields[k])
		case "User":
			return "ResendAllUser", g.resendAllUsers(fields[k])
		}
	case "Enroll":
		if has("User") {
			return "EnrollFingerPrint", g.enroll(fields["User"])
		}
		return "EnrollFingerPrint", failf(14, `Enroll needs User with a UserID`)
	case "Update":
		switch k := only("AccessTime", "User"); k {
		case "AccessTime":
			return "UpdateAccessTime", g.updateAccessTime(fields[k])
		case "User":
			return g.updateAccess(fields[k])
		}
	}
	return verb, unknown
}

// punchRange reads a filter's StartTime and EndTime in the device's zone.
func (g *Gateway) punchRange(raw json.RawMessage) (f filterWire, from, to device.Time, problem string) {
	var q punchLogQuery
	if err := json.Unmarshal(raw, &q); err != nil {
		return f, from, to, "PunchLog must be {\"Filter\":{\"StartTime\":...,\"EndTime\":...}}"
	}
	if q.Filter == nil {
		return f, from, to, "PunchLog needs a Filter with StartTime and EndTime"
	}
	f = *q.Filter
	var err error
	if from, err = device.ParseTime(string(f.StartTime), g.zone); err != nil {
		return f, from, to, fmt.Sprintf("StartTime %q is not a time like 2024-09-17 08:00:00", string(f.StartTime))
	}
	if to, err = device.ParseTime(string(f.EndTime), g.zone); err != nil {
		return f, from, to, fmt.Sprintf("EndTime %q is not a time like 2024-09-17 18:00:00", string(f.EndTime))
	}
	if to.UTC.Before(from.UTC) {
		return f, from, to, "EndTime is before StartTime"
	}
	return f, from, to, ""
}

func (g *Gateway) loadLog(raw json.RawMessage) outcome {
	f, from, to, problem := g.punchRange(raw)
	if problem != "" {
		return failf(14, "%s", problem)
	}
	if to.UTC.Sub(from.UTC) > MaxLoadLogDays*24*time.Hour {
		return failf(14, "LoadLog reads at most %d days per request; ask for a shorter range", MaxLoadLogDays)
	}
	off := 0
	if s := strings.TrimSpace(string(f.OffSet)); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return failf(14, "OffSet %q must be a whole number, 0 or more", s)
		}
		off = n
	}
	g.mu.Lock()
	lo, hi := g.logs.between(from.UTC.Unix(), to.UTC.Unix())
	start := hi
	if off < hi-lo {
		start = lo + off
	}
	end := min(start+g.cfg.PageSize, hi)
	rows := append([]punch(nil), g.logs.rows[start:end]...)
	ids := g.logs.ids
	g.mu.Unlock()
	return outcome{page: &logPage{
		ReturnRowCount: strconv.Itoa(len(rows)),
		ActualRowCount: strconv.Itoa(hi - lo),
		OffSet:         strconv.Itoa(off),
		Log:            rowsOut(rows, ids, g.zone),
	}}
}

func (g *Gateway) loadDeviceInformation(raw json.RawMessage) outcome {
	if s, ok := jsonString(raw); !ok || !strings.EqualFold(s, device.All) {
		return failf(14, `DeviceInformation must be "All"`)
	}
	g.mu.Lock()
	fps, faces := g.templateCounts()
	users := len(g.users)
	g.mu.Unlock()
	now := time.Now().In(g.zone)
	serial := g.cfg.SerialNumber
	var mac [3]byte
	for i := 0; i < len(serial); i++ {
		mac[i%3] = mac[i%3]*31 + serial[i]
	}
	return outcome{info: &deviceInfo{
		DeviceModel:                    "F38+ (simulated)",
		Manufacturer:                   "Cams Biometrics (camssim)",
		MacAddress:                     fmt.Sprintf("02:43:41:%02X:%02X:%02X", mac[0], mac[1], mac[2]),
		SerialNumber:                   serial,
		StartDate:                      now.AddDate(0, -6, 0).Format("2006-01-02"),
		EndDate:                        now.AddDate(0, 6, 0).Format("2006-01-02"),
		LastConnectedTime:              device.FormatTime(now, g.zone),
		RegisteredUsers:                strconv.Itoa(users),
		RegisteredFaces:                strconv.Itoa(faces),
		ReigsteredFingerprints:         strconv.Itoa(fps),
		MaximumFacesSupported:          strconv.Itoa(MaxFaces),
		MaximumFingerprintsSupported:   strconv.Itoa(MaxFingerprints),
		MaximumAttendanceLogsSupported: strconv.Itoa(MaxLogs),
	}}
}

func (g *Gateway) addUser(raw json.RawMessage) outcome {
	var a device.AddRequest
	if err := json.Unmarshal(raw, &a); err != nil {
		return failf(14, "Add must be {\"User\":{\"UserID\":...},\"Template\":[...]} with text values")
	}
	id := strings.TrimSpace(a.User.UserID)
	if p := checkUserID(id); p != "" {
		return failf(14, "%s", p)
	}
	templates := map[templateKey]device.TemplateData{}
	for _, t := range a.Template {
		t, p := checkTemplate(t, id)
		if p != "" {
			return failf(10, "%s", p)
		}
		templates[keyOf(t)] = t
	}
	u := &user{User: User{
		UserID:    id,
		FirstName: strings.TrimSpace(a.User.FirstName),
		LastName:  strings.TrimSpace(a.User.LastName),
		UserType:  strings.TrimSpace(a.User.UserType),
	}, templates: templates}
	if u.UserType == "" {
		u.UserType = "User"
	}

	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.users[id]; ok {
		return failf(8, "user %s already exists", id)
	}
	if p := g.roomFor(templates); p != "" {
		return failf(11, "%s", p)
	}
	g.putUser(u)
	snap := u.snapshot()
	parts := [][]device.TemplateData{snap.Templates}
	if n := len(snap.Templates); n >= 2 && g.rng.IntN(2) == 0 {
		cut := 1 + g.rng.IntN(n-1)
		parts = [][]device.TemplateData{snap.Templates[:cut], snap.Templates[cut:]}
	}
	return outcome{jobs: []job{g.userUpdatedJob(snap, parts)}}
}

// roomFor says why the device cannot take a new user with these templates, or ""; the caller holds g.mu.
func (g *Gateway) roomFor(templates map[templateKey]device.TemplateData) string {
	if len(g.users) >= MaxUsers {
		return fmt.Sprintf("device memory full: %d users", MaxUsers)
	}
	fps, faces := g.templateCounts()
	for k := range templates {
		switch k.typ {
		case device.Fingerprint:
			fps++
		case device.Face:
			faces++
		}
	}
	if fps > MaxFingerprints {
		return fmt.Sprintf("device memory full: at most %d fingerprints", MaxFingerprints)
	}
	if faces > MaxFaces {
		return fmt.Sprintf("device memory full: at most %d faces", MaxFaces)
	}
	return ""
}

func (g *Gateway) deleteUser(raw json.RawMessage) outcome {
	var ref device.UserRef
	if err := json.Unmarshal(raw, &ref); err != nil {
		return failf(14, `User must be {"UserID":"..."} or "All"`)
	}
	id := strings.TrimSpace(ref.UserID)
	if p := checkUserID(id); p != "" {
		return failf(14, "%s", p)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, ok := g.users[id]; !ok {
		return failf(9, "user %s not found", id)
	}
	g.removeUser(id)
	return outcome{jobs: []job{g.userDeletedJob(id)}}
}

func (g *Gateway) deleteAllUsers(all string) outcome {
	if !strings.EqualFold(all, device.All) {
		return failf(14, `User must be {"UserID":"..."} or "All"`)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.users, g.order = map[string]*user{}, nil
	return outcome{}
}

func (g *Gateway) deleteLogs(raw json.RawMessage) outcome {
	if s, ok := jsonString(raw); !ok || !strings.EqualFold(s, device.All) {
		return failf(14, `Log must be "All"`)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.logs.clear()
	return outcome{}
}

func (g *Gateway) deletePhotos(raw json.RawMessage) outcome {
	if s, ok := jsonString(raw); !ok || !strings.EqualFold(s, device.All) {
		return failf(14, `PunchPhoto must be "All"`)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.logs.clearPhotos()
	return outcome{}
}

func (g *Gateway) resendAttendance(raw json.RawMessage) outcome {
	_, from, to, problem := g.punchRange(raw)
	if problem != "" {
		return failf(14, "%s", problem)
	}
	return outcome{jobs: []job{g.resendJob(from.UTC.Unix(), to.UTC.Unix())}}
}

func (g *Gateway) resendAllUsers(raw json.RawMessage) outcome {
	if s, ok := jsonString(raw); !ok || !strings.EqualFold(s, device.All) {
		return failf(14, `User must be "All"`)
	}
	return outcome{jobs: []job{g.userResendJob()}}
}

// enroll has the person enrol a new template on the device, creating the user when missing.
func (g *Gateway) enroll(raw json.RawMessage) outcome {
	var e device.EnrollUser
	if err := json.Unmarshal(raw, &e); err != nil {
		return failf(14, `User must be {"UserID":"...","Type":"Fingerprint",...} with text values`)
	}
	id := strings.TrimSpace(e.UserID)
	if p := checkUserID(id); p != "" {
		return failf(14, "%s", p)
	}
	typ := device.CanonicalTemplateType(e.Type)
	if typ == "" {
		typ = device.Fingerprint
	}
	if typ != device.Fingerprint && typ != device.Face && typ != device.Palm {
		return failf(14, "Type %q cannot be enrolled: use Fingerprint, Face or Palm", e.Type)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	u, ok := g.users[id]
	if !ok {
		u = &user{User: User{UserID: id, UserType: "User"}, templates: map[templateKey]device.TemplateData{}}
		if p := g.roomFor(nil); p != "" {
			return failf(11, "%s", p)
		}
	}
	index := -1
	for i := 0; i <= 9; i++ {
		if _, used := u.templates[templateKey{typ, strconv.Itoa(i)}]; !used {
			index = i
			break
		}
	}
	if index < 0 {
		return failf(10, "user %s has no free %s slot (0 to 9 are used)", id, typ)
	}
	t := g.biometric(typ, id, strconv.Itoa(index))
	if p := g.roomForTemplate(typ); p != "" {
		return failf(11, "%s", p)
	}
	if first := strings.TrimSpace(e.FirstName); first != "" {
		u.FirstName = first
	}
	if last := strings.TrimSpace(e.LastName); last != "" {
		u.LastName = last
	}
	u.templates[keyOf(t)] = t
	g.putUser(u)
	snap := u.snapshot()
	return outcome{jobs: []job{g.userUpdatedJob(snap, [][]device.TemplateData{{t}})}}
}

// roomForTemplate says why the device cannot store one more template of typ, or ""; the caller holds g.mu.
func (g *Gateway) roomForTemplate(typ string) string {
	fps, faces := g.templateCounts()
	if typ == device.Fingerprint && fps >= MaxFingerprints {
		return fmt.Sprintf("device memory full: at most %d fingerprints", MaxFingerprints)
	}
	if typ == device.Face && faces >= MaxFaces {
		return fmt.Sprintf("device memory full: at most %d faces", MaxFaces)
	}
	return ""
}

func (g *Gateway) updateAccessTime(raw json.RawMessage) outcome {
	var a device.AccessTime
	if err := json.Unmarshal(raw, &a); err != nil {
		return failf(14, `AccessTime must be {"UserID":"...","Start":"...","End":"..."} with text values`)
	}
	id := strings.TrimSpace(a.UserID)
	if p := checkUserID(id); p != "" {
		return failf(14, "%s", p)
	}
	start, err := device.ParseTime(a.Start, g.zone)
	if err != nil {
		return failf(14, "Start %q is not a time like 2022-07-11 00:00:00", a.Start)
	}
	end, err := device.ParseTime(a.End, g.zone)
	if err != nil {
		return failf(14, "End %q is not a time like 2022-07-11 23:59:59", a.End)
	}
	if end.UTC.Before(start.UTC) {
		return failf(14, "End is before Start")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	u, ok := g.users[id]
	if !ok {
		return failf(9, "user %s not found", id)
	}
	u.AccessStart = device.FormatWall(start.UTC, g.zone)
	u.AccessEnd = device.FormatWall(end.UTC, g.zone)
	return outcome{}
}

// updateAccess enables or disables a user.
func (g *Gateway) updateAccess(raw json.RawMessage) (string, outcome) {
	var a device.UserAccess
	if err := json.Unmarshal(raw, &a); err != nil {
		return "UpdateUser", failf(14, `User must be {"UserID":"...","Access":"enable"|"disable"} with text values`)
	}
	var name string
	var disable bool
	switch strings.ToLower(strings.TrimSpace(a.Access)) {
	case "enable":
		name = "EnableUser"
	case "disable":
		name, disable = "DisableUser", true
	default:
		return "UpdateUser", failf(14, `Access must be "enable" or "disable", got %q`, a.Access)
	}
	id := strings.TrimSpace(a.UserID)
	if p := checkUserID(id); p != "" {
		return name, failf(14, "%s", p)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	u, ok := g.users[id]
	if !ok {
		return name, failf(9, "user %s not found", id)
	}
	u.Disabled = disable
	return name, outcome{}
}
