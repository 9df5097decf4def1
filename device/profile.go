package device

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Profile is one device as configured in API Monitor: where to send commands and how to check its callbacks.
type Profile struct {
	Name              string `json:"name"`
	Endpoint          string `json:"restful_endpoint"`
	STGID             string `json:"stgid"`
	AuthToken         string `json:"auth_token"`
	CallbackAuthToken string `json:"callback_auth_token"`
	SecurityKey       string `json:"security_key,omitempty"`
	OldSecurityKey    string `json:"old_security_key,omitempty"`
	// TimeZone is an IANA name ("Asia/Kolkata") or a fixed offset ("+05:30"); empty means the PC's zone.
	TimeZone  string `json:"time_zone,omitempty"`
	Simulated bool   `json:"simulated,omitempty"`
}

// FieldError names the field that is wrong and says how to fix it.
type FieldError struct {
	Field string
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// TokenLength is the length of API Monitor's auth tokens and security keys.
const TokenLength = 32

// Location is the device's time zone.
func (p Profile) Location() (*time.Location, error) {
	return ParseZone(p.TimeZone)
}

// Validate checks every field and returns all problems joined, each a *FieldError.
func (p Profile) Validate() error {
	var errs []error
	add := func(field, msg string) { errs = append(errs, &FieldError{field, msg}) }
	if strings.TrimSpace(p.Name) == "" {
		add("name", "give the device a name, e.g. \"Main Gate\"")
	}
	if err := ValidateEndpoint(p.Endpoint); err != nil {
		add("restful_endpoint", err.Error())
	}
	if strings.TrimSpace(p.STGID) == "" {
		add("stgid", "copy the service tag id of the device from API Monitor")
	} else if strings.ContainsAny(p.STGID, " /?&#") {
		add("stgid", "the service tag id has no spaces or URL characters; copy it again from API Monitor")
	}
	if msg := tokenProblem(p.AuthToken, true); msg != "" {
		add("auth_token", msg)
	}
	if msg := tokenProblem(p.CallbackAuthToken, false); msg != "" {
		add("callback_auth_token", msg)
	}
	if msg := tokenProblem(p.SecurityKey, false); msg != "" {
		add("security_key", msg)
	}
	if msg := tokenProblem(p.OldSecurityKey, false); msg != "" {
		add("old_security_key", msg)
	}
	if _, err := p.Location(); err != nil {
		add("time_zone", err.Error())
	}
	return errors.Join(errs...)
}

func tokenProblem(tok string, required bool) string {
	switch {
	case tok == "" && !required:
		return ""
	case tok == "":
		return "copy the 32-character auth token from API Monitor"
	case len(tok) != TokenLength:
		return fmt.Sprintf("must be %d characters, got %d; copy it again from API Monitor", TokenLength, len(tok))
	case strings.TrimSpace(tok) != tok:
		return "has spaces at the start or end; remove them"
	}
	return ""
}

// ValidateEndpoint checks that s is an absolute http(s) URL.
func ValidateEndpoint(s string) error {
	if strings.TrimSpace(s) == "" {
		return errors.New("paste the RESTful endpoint URL from API Monitor (it starts with https://)")
	}
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return errors.New("must be a full URL such as https://gateway.example.com/external/api3.0/biometric")
	}
	return nil
}

// Mask hides a secret for display: the first and last two characters survive only when it is long enough.
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	if len(secret) < 12 {
		return "****"
	}
	return secret[:2] + strings.Repeat("*", 8) + secret[len(secret)-2:]
}
