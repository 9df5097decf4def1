package simulator

import (
	"encoding/base64"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/camsdesk/camsdesk/device"
)

// User is a user on the simulated device.
type User struct {
	UserID    string
	FirstName string
	LastName  string
	UserType  string
	Disabled  bool
	// AccessStart and AccessEnd are the device-local wall clock (device.WallLayout); empty when unrestricted.
	AccessStart string
	AccessEnd   string
	Templates   []device.TemplateData
}

type user struct {
	User
	templates map[templateKey]device.TemplateData
	lastIn    bool // the last live punch was a CheckIn
}

type templateKey struct{ typ, index string }

func keyOf(t device.TemplateData) templateKey {
	typ, idx := device.Template{Type: device.Text(t.Type), Index: device.Text(t.Index)}.Key()
	return templateKey{typ, idx}
}

// snapshot copies the user with its templates in a stable order.
func (u *user) snapshot() User {
	out := u.User
	out.Templates = make([]device.TemplateData, 0, len(u.templates))
	for _, t := range u.templates {
		out.Templates = append(out.Templates, t)
	}
	sortTemplates(out.Templates)
	return out
}

// sortTemplates orders templates as the spec lists the types, then by index.
func sortTemplates(ts []device.TemplateData) {
	rank := func(t device.TemplateData) int {
		for i, typ := range device.TemplateTypes {
			if typ == t.Type {
				return i
			}
		}
		return len(device.TemplateTypes)
	}
	sort.Slice(ts, func(i, j int) bool {
		if ri, rj := rank(ts[i]), rank(ts[j]); ri != rj {
			return ri < rj
		}
		return lessID(ts[i].Index, ts[j].Index)
	})
}

// lessID orders ids numerically when both are numbers, else as text.
func lessID(a, b string) bool {
	na, errA := strconv.Atoi(a)
	nb, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return na < nb
	}
	if (errA == nil) != (errB == nil) {
		return errA == nil
	}
	return a < b
}

// Users returns a snapshot of the device's users in id order.
func (g *Gateway) Users() []User {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]User, 0, len(g.users))
	for _, id := range g.userOrder() {
		out = append(out, g.users[id].snapshot())
	}
	return out
}

// User returns one user, or false when the device has none with this id.
func (g *Gateway) User(id string) (User, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	u, ok := g.users[id]
	if !ok {
		return User{}, false
	}
	return u.snapshot(), true
}

// userOrder is the users' ids in order; the caller holds g.mu.
func (g *Gateway) userOrder() []string {
	if g.order == nil {
		g.order = make([]string, 0, len(g.users))
		for id := range g.users {
			g.order = append(g.order, id)
		}
		sort.Slice(g.order, func(i, j int) bool { return lessID(g.order[i], g.order[j]) })
	}
	return g.order
}

// putUser adds or replaces a user; the caller holds g.mu.
func (g *Gateway) putUser(u *user) {
	if _, ok := g.users[u.UserID]; !ok {
		g.order = nil
	}
	g.users[u.UserID] = u
}

func (g *Gateway) removeUser(id string) {
	delete(g.users, id)
	g.order = nil
}

// templateCounts counts fingerprint and face templates on the device; the caller holds g.mu.
func (g *Gateway) templateCounts() (fingerprints, faces int) {
	for _, u := range g.users {
		for k := range u.templates {
			switch k.typ {
			case device.Fingerprint:
				fingerprints++
			case device.Face:
				faces++
			}
		}
	}
	return fingerprints, faces
}

// checkUserID returns why id cannot be a device user id, or "".
func checkUserID(id string) string {
	switch {
	case id == "":
		return "UserID is missing"
	case len(id) > 32:
		return "UserID is longer than 32 characters"
	case strings.IndexFunc(id, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0:
		return "UserID has spaces or control characters"
	}
	return ""
}

// checkTemplate canonicalises a template from a request and returns why the device refuses it, or "".
func checkTemplate(t device.TemplateData, userID string) (device.TemplateData, string) {
	t.Type = device.CanonicalTemplateType(t.Type)
	t.Data = strings.TrimSpace(t.Data)
	t.Index = strings.TrimSpace(t.Index)
	if t.UserID != "" && strings.TrimSpace(t.UserID) != userID {
		return t, fmt.Sprintf("a %s template belongs to user %q, not %q", t.Type, t.UserID, userID)
	}
	t.UserID = userID
	if t.Data == "" {
		return t, fmt.Sprintf("a %s template has no Data", t.Type)
	}
	switch t.Type {
	case device.Card, device.Password:
		if !isDigits(t.Data) || len(t.Data) > 20 {
			return t, fmt.Sprintf("%s Data must be up to 20 digits", t.Type)
		}
		t.Index, t.Size = "", ""
		return t, ""
	case device.Fingerprint, device.Face, device.Palm, device.UserPhoto:
	default:
		return t, fmt.Sprintf("template type %q is not one of Card, Password, Fingerprint, Face, Palm, UserPhoto", t.Type)
	}
	raw, ok := decodeBase64(t.Data)
	if !ok {
		return t, fmt.Sprintf("%s Data is not base64", t.Type)
	}
	t.Size = strconv.Itoa(len(raw))
	if t.Type == device.UserPhoto {
		t.Index = ""
		return t, ""
	}
	if t.Index == "" {
		t.Index = "0"
	}
	if n, err := strconv.Atoi(t.Index); err != nil || n < 0 || n > 9 {
		return t, fmt.Sprintf("%s Index must be 0 to 9, got %q", t.Type, t.Index)
	}
	return t, ""
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// decodeBase64 reads standard base64 with or without padding, ignoring line breaks.
func decodeBase64(s string) ([]byte, bool) {
	s = strings.NewReplacer("\n", "", "\r", "").Replace(s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) > 0 {
		return b, true
	}
	if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil && len(b) > 0 {
		return b, true
	}
	return nil, false
}
