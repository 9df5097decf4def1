package device

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// WallLayout is the device-local wall clock as Cams writes it, without the offset.
const WallLayout = "2006-01-02 15:04:05"

// Time is a Cams timestamp: the instant, the device's wall clock and the offset it was written with.
type Time struct {
	UTC    time.Time // whole seconds, in UTC
	Local  string    // wall clock, WallLayout
	Offset int       // seconds east of UTC
	// Zoned is false when the text had no offset and the device's configured zone was assumed.
	Zoned bool
}

// IsZero reports whether t holds no time.
func (t Time) IsZero() bool { return t.UTC.IsZero() }

// LocalDate is the device-local date, 2006-01-02.
func (t Time) LocalDate() string {
	if len(t.Local) < 10 {
		return ""
	}
	return t.Local[:10]
}

// In returns the instant in the zone it was written in.
func (t Time) In() time.Time { return t.UTC.In(time.FixedZone("", t.Offset)) }

// String formats t as Cams does: "2006-01-02 15:04:05 GMT +0530".
func (t Time) String() string { return t.Local + " GMT " + formatOffset(t.Offset) }

var camsTime = regexp.MustCompile(`(?i)^(\d{4}-\d{1,2}-\d{1,2})[ T](\d{1,2}:\d{2}(?::\d{2})?)(?:\.\d+)?\s*(?:(?:GMT|UTC)?\s*([+-])\s*(\d{1,2}):?(\d{2})|(?:GMT|UTC|Z))?$`)

// ParseTime reads "YYYY-MM-DD HH:mm:ss GMT +0530" and its variants (any sign, "+05:30", "GMT" alone, no
// offset at all). Without an offset the wall clock is read in zone (nil means UTC).
func ParseTime(s string, zone *time.Location) (Time, error) {
	s = strings.TrimSpace(s)
	if t, ok := parseUsual(s); ok {
		return t, nil
	}
	return parseAny(s, zone)
}

// parseUsual reads the form devices send, "2006-01-02 15:04:05 GMT +0530", without the regexp.
func parseUsual(s string) (Time, bool) {
	const usual = "2006-01-02 15:04:05 GMT +0530"
	if len(s) != len(usual) || (s[24] != '+' && s[24] != '-') {
		return Time{}, false
	}
	for i := range len(usual) {
		switch {
		case isDigit(usual[i]):
			if !isDigit(s[i]) {
				return Time{}, false
			}
		case i != 24 && s[i] != usual[i]: // 24 is the sign
			return Time{}, false
		}
	}
	wall, err := time.Parse(WallLayout, s[:19])
	h := int(s[25]-'0')*10 + int(s[26]-'0')
	m := int(s[27]-'0')*10 + int(s[28]-'0')
	if err != nil || h > 14 || m > 59 {
		return Time{}, false
	}
	off := h*3600 + m*60
	if s[24] == '-' {
		off = -off
	}
	return Time{UTC: wall.Add(-time.Duration(off) * time.Second), Local: s[:19], Offset: off, Zoned: true}, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// parseAny reads every form ParseTime takes.
func parseAny(s string, zone *time.Location) (Time, error) {
	m := camsTime.FindStringSubmatch(s)
	if m == nil {
		return Time{}, fmt.Errorf("device: time %q is not like \"2006-01-02 15:04:05 GMT +0530\"", s)
	}
	clock := m[2]
	if strings.Count(clock, ":") == 1 {
		clock += ":00"
	}
	wall, err := time.Parse("2006-1-2 15:04:05", m[1]+" "+clock)
	if err != nil {
		return Time{}, fmt.Errorf("device: time %q: %w", s, err)
	}
	var at time.Time
	zoned := true
	switch {
	case m[3] != "":
		h, _ := strconv.Atoi(m[4])
		min, _ := strconv.Atoi(m[5])
		if h > 14 || min > 59 {
			return Time{}, fmt.Errorf("device: time %q has an impossible offset", s)
		}
		off := h*3600 + min*60
		if m[3] == "-" {
			off = -off
		}
		at = time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.FixedZone("", off))
	case hasZoneSuffix(strings.ToUpper(s)):
		at = wall
	default:
		if zone == nil {
			zone = time.UTC
		}
		zoned = false
		at = time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, zone)
	}
	_, off := at.Zone()
	return Time{UTC: at.UTC(), Local: at.Format(WallLayout), Offset: off, Zoned: zoned}, nil
}

func hasZoneSuffix(up string) bool {
	return strings.HasSuffix(up, "GMT") || strings.HasSuffix(up, "UTC") || strings.HasSuffix(up, "Z")
}

// FormatTime writes t in zone (nil means UTC) as Cams expects in requests: "2006-01-02 15:04:05 GMT +0530".
func FormatTime(t time.Time, zone *time.Location) string {
	if zone == nil {
		zone = time.UTC
	}
	t = t.In(zone)
	_, off := t.Zone()
	return t.Format(WallLayout) + " GMT " + formatOffset(off)
}

// FormatWall writes t's wall clock in zone without an offset, as filters and access times take it.
func FormatWall(t time.Time, zone *time.Location) string {
	if zone == nil {
		zone = time.UTC
	}
	return t.In(zone).Format(WallLayout)
}

func formatOffset(off int) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%c%02d%02d", sign, off/3600, off%3600/60)
}

// ParseZone reads an IANA zone name ("Asia/Kolkata"), a fixed offset ("+05:30", "+0530", "GMT +0530",
// "UTC-3"), or "" for the PC's local zone.
func ParseZone(s string) (*time.Location, error) {
	if loc, ok := zones.Load(s); ok {
		return loc.(*time.Location), nil
	}
	loc, err := parseZone(s)
	if err == nil {
		zones.Store(s, loc)
	}
	return loc, err
}

// zones holds the zones ParseZone has read (a few per program: one per device profile), since
// callbacks ask for them again and again.
var zones sync.Map // string -> *time.Location

func parseZone(s string) (*time.Location, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "local") {
		return time.Local, nil
	}
	up := strings.ToUpper(s)
	if up == "UTC" || up == "GMT" || up == "Z" {
		return time.UTC, nil
	}
	rest := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(up, "GMT"), "UTC"))
	if rest != "" && (rest[0] == '+' || rest[0] == '-') {
		digits := strings.ReplaceAll(rest[1:], ":", "")
		if n := len(digits); n >= 1 && n <= 4 {
			if n <= 2 {
				digits += "00"
			}
			digits = strings.Repeat("0", 4-len(digits)) + digits
			h, errH := strconv.Atoi(digits[:2])
			m, errM := strconv.Atoi(digits[2:])
			if errH == nil && errM == nil && h <= 14 && m < 60 {
				off := h*3600 + m*60
				if rest[0] == '-' {
					off = -off
				}
				return time.FixedZone("GMT "+formatOffset(off), off), nil
			}
		}
		return nil, fmt.Errorf("offset %q is not like +05:30", s)
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q: use a name like Asia/Kolkata or an offset like +05:30", s)
	}
	return loc, nil
}
