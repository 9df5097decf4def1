package device

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Parameter names shared by several operations.
const (
	parUserID           = "UserID"
	parFirstName        = "FirstName"
	parLastName         = "LastName"
	parUserType         = "UserType"
	parCard             = "Card"
	parPIN              = "PIN"
	parFingerprint      = "Fingerprint"
	parFingerprintIndex = "FingerprintIndex"
	parFace             = "Face"
	parFaceIndex        = "FaceIndex"
	parPalm             = "Palm"
	parPalmIndex        = "PalmIndex"
	parUserPhoto        = "UserPhoto"
	parStartTime        = "StartTime"
	parEndTime          = "EndTime"
	parOffSet           = "OffSet"
	parStart            = "Start"
	parEnd              = "End"
)

// User types offered in forms. Devices also send "USER"; input is matched in any case.
const (
	UserTypeUser  = "User"
	UserTypeAdmin = "Admin"
)

// Limits of the values a form accepts.
const (
	maxUserIDLen = 32
	maxNameLen   = 64
	maxCardLen   = 20
	maxPINLen    = 10
)

func userIDParam() Param {
	return Param{Name: parUserID, Label: "User ID", Kind: ParamUserID, Sample: sampleUserID, Required: true,
		Help: "The person's ID on the device, e.g. 100 or EMP-0001."}
}

func userParams() []Param {
	return []Param{
		userIDParam(),
		{Name: parFirstName, Label: "First name", Kind: ParamText, Sample: sampleFirstName, Required: true},
		{Name: parLastName, Label: "Last name", Kind: ParamText, Sample: sampleLastName},
		{Name: parUserType, Label: "User type", Kind: ParamUserType, Sample: UserTypeUser,
			Choices: []string{UserTypeUser, UserTypeAdmin}, Help: "Admin can open the device's menu."},
	}
}

// templateParams are the form fields of one template type.
func templateParams(typ string) []Param {
	switch typ {
	case Card:
		return []Param{{Name: parCard, Label: "Card number", Kind: ParamCard, Sample: sampleCard, Required: true,
			Help: "The number printed on or read from the card, digits only."}}
	case Password:
		return []Param{{Name: parPIN, Label: "PIN", Kind: ParamPIN, Sample: samplePIN, Required: true,
			Help: "The password typed on the device's keypad, digits only."}}
	case Fingerprint:
		return []Param{
			{Name: parFingerprint, Label: "Fingerprint template", Kind: ParamFingerprint, Sample: sampleFingerprint, Required: true,
				Help: "Base64 template data captured by a Cams device."},
			{Name: parFingerprintIndex, Label: "Finger index", Kind: ParamText, Sample: "0", Help: "Which finger, 0 to 9."},
		}
	case Face:
		return []Param{
			{Name: parFace, Label: "Face template", Kind: ParamFace, Sample: sampleJPEG, Required: true,
				Help: "Base64 JPEG captured by a Cams device."},
			{Name: parFaceIndex, Label: "Face index", Kind: ParamText, Sample: "0", Help: "Usually 0."},
		}
	case Palm:
		return []Param{
			{Name: parPalm, Label: "Palm template", Kind: ParamPalm, Sample: samplePalm, Required: true,
				Help: "Base64 template data captured by a Cams device."},
			{Name: parPalmIndex, Label: "Palm index", Kind: ParamText, Sample: "0", Help: "Which palm, usually 0."},
		}
	case UserPhoto:
		return []Param{{Name: parUserPhoto, Label: "User photo", Kind: ParamPhoto, Sample: sampleJPEG, Required: true,
			Help: "Base64 JPEG shown on the device's screen."}}
	}
	return nil
}

func filterParams(withOffset bool) []Param {
	ps := []Param{
		{Name: parStartTime, Label: "From", Kind: ParamDateTime, Sample: sampleStartTime, Required: true,
			Help: "Device-local time, 2006-01-02 15:04:05."},
		{Name: parEndTime, Label: "To", Kind: ParamDateTime, Sample: sampleEndTime, Required: true,
			Help: "Device-local time, 2006-01-02 15:04:05."},
	}
	if withOffset {
		ps = append(ps, Param{Name: parOffSet, Label: "Offset", Kind: ParamText,
			Help: "Row offset of the page to read; empty for the first page."})
	}
	return ps
}

// paramReader reads and checks the values of one Build, collecting a *FieldError per problem.
type paramReader struct {
	p    Params
	errs []error
}

func (r *paramReader) fail(field, format string, args ...any) {
	r.errs = append(r.errs, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (r *paramReader) err() error { return errors.Join(r.errs...) }

func (r *paramReader) value(name string) string { return strings.TrimSpace(r.p[name]) }

// text reads free text such as a name.
func (r *paramReader) text(name string, required bool) string {
	v := r.value(name)
	switch {
	case v == "" && required:
		r.fail(name, "required")
	case utf8.RuneCountInString(v) > maxNameLen:
		r.fail(name, "at most %d characters", maxNameLen)
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		r.fail(name, "has a control character (tab or line break); remove it")
	}
	return v
}

func (r *paramReader) userID() string {
	v := r.value(parUserID)
	switch {
	case v == "":
		r.fail(parUserID, "required")
	case utf8.RuneCountInString(v) > maxUserIDLen:
		r.fail(parUserID, "at most %d characters", maxUserIDLen)
	case strings.IndexFunc(v, func(c rune) bool { return unicode.IsSpace(c) || unicode.IsControl(c) }) >= 0:
		r.fail(parUserID, "no spaces")
	}
	return v
}

func (r *paramReader) userType() string {
	v := r.value(parUserType)
	switch {
	case v == "":
		return UserTypeUser
	case strings.EqualFold(v, UserTypeUser):
		return UserTypeUser
	case strings.EqualFold(v, UserTypeAdmin):
		return UserTypeAdmin
	}
	r.fail(parUserType, "use %s or %s", UserTypeUser, UserTypeAdmin)
	return v
}

// digits reads a required number kept as text (card number, PIN).
func (r *paramReader) digits(name string, maxLen int) string {
	v := r.value(name)
	switch {
	case v == "":
		r.fail(name, "required")
	case !allDigits(v):
		r.fail(name, "digits only")
	case len(v) > maxLen:
		r.fail(name, "at most %d digits", maxLen)
	}
	return v
}

// index reads a template index, "0" when empty.
func (r *paramReader) index(name string, max int) string {
	v := r.value(name)
	if v == "" {
		return "0"
	}
	n, err := strconv.Atoi(v)
	if err != nil || !allDigits(v) || n > max {
		r.fail(name, "a number from 0 to %d", max)
		return v
	}
	return strconv.Itoa(n)
}

// offset reads an optional row offset.
func (r *paramReader) offset(name string) string {
	v := r.value(name)
	if v == "" {
		return ""
	}
	n, err := strconv.Atoi(v)
	if err != nil || !allDigits(v) {
		r.fail(name, "a row number, 0 or more")
		return v
	}
	return strconv.Itoa(n)
}

// blob reads required base64 template data and returns it with its decoded size. JPEG kinds must decode to
// a JPEG.
func (r *paramReader) blob(name string, jpeg bool) (data, size string) {
	v := r.value(name)
	if v == "" {
		r.fail(name, "required")
		return "", ""
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	switch {
	case err != nil:
		r.fail(name, "not valid base64; paste the template data exactly as the device sent it")
		return v, ""
	case jpeg && !bytes.HasPrefix(raw, []byte{0xFF, 0xD8}):
		r.fail(name, "not a base64 JPEG (it should start with /9j/)")
	}
	return v, strconv.Itoa(len(raw))
}

// filterTime reads a filter time: a device-local wall clock, or a Cams time with its offset. It returns the
// canonical text and the instant (a wall clock read as UTC, which keeps two wall clocks comparable).
func (r *paramReader) filterTime(name string) (string, Time, bool) {
	v := r.value(name)
	if v == "" {
		r.fail(name, "required")
		return "", Time{}, false
	}
	t, err := ParseTime(v, nil)
	if err != nil {
		r.fail(name, "use %s", WallLayout)
		return v, Time{}, false
	}
	if t.Zoned {
		return t.String(), t, true
	}
	return t.Local, t, true
}

// wallTime reads a device-local wall clock with no offset (access times).
func (r *paramReader) wallTime(name string) (string, Time, bool) {
	v := r.value(name)
	if v == "" {
		r.fail(name, "required")
		return "", Time{}, false
	}
	t, err := ParseTime(v, nil)
	if err != nil || t.Zoned {
		r.fail(name, "use %s", WallLayout)
		return v, Time{}, false
	}
	return t.Local, t, true
}

// span reads a From/To pair and checks their order.
func (r *paramReader) span(startName, endName string, read func(string) (string, Time, bool)) (start, end string) {
	start, st, okS := read(startName)
	end, et, okE := read(endName)
	if okS && okE && et.UTC.Before(st.UTC) {
		r.fail(endName, "before %s", startName)
	}
	return start, end
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
