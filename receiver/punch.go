package receiver

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/camsdesk/camsdesk/data"
	"github.com/camsdesk/camsdesk/device"
)

// Punch types and input types in their canonical spelling; other values are kept as they came.
var (
	punchTypes = []string{"CheckIn", "CheckOut", "BreakOut", "BreakIn", "OverTimeIn", "OverTimeOut", "MealIn", "MealOut"}
	inputTypes = []string{"Fingerprint", "Face", "Palm", "Card", "Password"}
)

func canonical(s string, known []string) string {
	t := strings.TrimSpace(s)
	for _, k := range known {
		if strings.EqualFold(t, k) {
			return k
		}
	}
	return s
}

// PunchFromLog converts one punch as a device sends it into a stored punch. zone is the device's zone,
// used when LogTime has no offset. source is data.SourceCallback, SourceLoadLog or SourceResend.
func PunchFromLog(deviceID uint, p device.PunchLog, zone *time.Location, source string) (data.Punch, error) {
	user := strings.TrimSpace(string(p.UserID))
	if user == "" {
		return data.Punch{}, errors.New("punch has no UserID")
	}
	t, err := device.ParseTime(string(p.LogTime), zone)
	if err != nil {
		return data.Punch{}, fmt.Errorf("punch of user %q: LogTime: %w", user, err)
	}
	return data.Punch{
		DeviceID:    deviceID,
		UserID:      user,
		UTC:         t.UTC,
		Local:       t.Local,
		LocalDate:   t.LocalDate(),
		UTCOffset:   t.Offset,
		LogTime:     string(p.LogTime),
		Type:        canonical(string(p.Type), punchTypes),
		InputType:   canonical(string(p.InputType), inputTypes),
		Temperature: p.Temperature.Ptr(),
		FaceMask:    p.FaceMask.Ptr(),
		Source:      source,
	}, nil
}
